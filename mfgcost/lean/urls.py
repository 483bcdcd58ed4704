"""Routes of the lean API, under ``/api/lean/``."""

from rest_framework.routers import DefaultRouter

from . import api

app_name = "lean"

router = DefaultRouter()
router.register("flows", api.FlowViewSet, basename="flow")
router.register("activities", api.ActivityViewSet, basename="activity")
router.register("kanban-rules", api.KanbanRuleViewSet, basename="kanban-rule")
router.register("kanbans", api.KanbanViewSet, basename="kanban")
router.register("jobs", api.KanbanJobViewSet, basename="job")
router.register("material-issues", api.MaterialIssueViewSet, basename="material-issue")
router.register("standard-costs", api.FlowStandardCostViewSet, basename="standard-cost")
router.register("runs", api.RunViewSet, basename="run")

urlpatterns = router.urls
