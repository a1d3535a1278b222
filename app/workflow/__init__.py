"""The workflow core: deployed processes, running instances, task inboxes, timers, the working-day calendar,
service tasks and task forms, plus the plugin registry through which domains hook in. Imports no domain."""
