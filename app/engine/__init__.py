"""The workflow engine: the only package that imports SpiffWorkflow. No Flask, no database.

expressions  safe evaluator for BPMN expressions (no eval/exec)    calendar  Chinese working days/hours
specs/lint   parse + validate BPMN, SpecCache                       serializer  state dict <-> workflow
runner       start / complete_task / fire_timers / cancel            testing  ProcessRunner for flow tests
"""
