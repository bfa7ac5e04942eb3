"""Shared by the staged bench scripts (rule_sweep.py, twin_classes.py): the
common command line and one run of every sample in every stage."""

import argparse
import multiprocessing
import os


def arguments(count: int) -> argparse.Namespace:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=count)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--no-doc", action="store_true")
    return ap.parse_args()


def run_stages(run_one, count: int, stages: int, jobs: int) -> dict:
    """{(k, stage): run_one((k, stage))[1:]} for every sample k and stage."""
    out = {}
    for stage in range(stages):
        # A fresh pool per stage: the switches must not leak into the next one.
        with multiprocessing.get_context("spawn").Pool(jobs) as pool:
            for k, *rest in pool.imap_unordered(run_one, [(k, stage) for k in range(count)], chunksize=8):
                out[(k, stage)] = tuple(rest)
    return out
