"""Signals other apps listen to.

``account_changing`` is sent by ``services.account_save`` inside its transaction, before a
changed account is saved, with ``account=`` the account as it would be saved and
``previous=`` the row as stored (None for a new account). A receiver refuses the change by
raising ``BusinessError`` naming the field (the inventory app refuses opening a control account
that sub-ledger postings have reached to direct posting).
"""

from django.dispatch import Signal

account_changing = Signal()
