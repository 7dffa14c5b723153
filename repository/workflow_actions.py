"""What happens when a review workflow finishes (setting WAGTAIL_FINISH_WORKFLOW_ACTION).

Wagtail imports this module while it is loading wagtail.models (WorkflowState reads the setting in
its class body), so it must import nothing from Wagtail or from repository.models at module level.
"""


def publish_approved(workflow_state, user=None):
    """Publish the latest revision of the object whose workflow `workflow_state` was just approved.

    Same as Wagtail's default (wagtail.workflows.publish_workflow_state) except that the approving
    user needs no publish permission of their own: their authority is the workflow, whose every task
    has been approved by the users that task allows (for SubjectGroupReviewTask, the page's subject
    group, checked in its on_action). The publish is still logged under `user`.
    """
    workflow_state.content_object.get_latest_revision().publish(user=user, skip_permission_checks=True)
