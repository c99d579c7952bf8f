#!/usr/bin/env bash
# Placeholder: the grader issue makes sure the exercises' base image exists.
exit 0
