"""Helpers shared by tests: the network guard and the app server runner."""
