"""Helpers shared by the tests of several folders: worlds to test in, steps that drive a flow, test data."""
