"""Cross-check of bench/nab-score.mjs against NAB's own scorer (python3, standard library only).

    PYTHONDONTWRITEBYTECODE=1 python3 bench/nab-crosscheck.py /path/to/NAB [detector ...]

Imports NAB's Sweeper (nab/sweeper.py, which needs no third-party package) from the NAB checkout,
read-only, and scores the published detectors' results over the tuning categories as NAB's
scoreCorpus and normalize steps do (per file Sweeper.scoreDataSet at the profile's threshold from
config/thresholds.json, raw scores summed, 100 * (raw - null) / (perfect - null), the null
detector's results giving the baseline and A_TP per labelled window the perfect score). Those two
steps only read and write CSVs with pandas around the Sweeper; they are redone here with the csv
module. Prints one JSON line per detector: its score per profile and per category.
"""
import csv
import json
import os
import sys
from datetime import datetime

TUNING = ("realTweets", "realTraffic", "artificialWithAnomaly", "artificialNoAnomaly")

nab_dir = sys.argv[1]
sys.path.insert(0, nab_dir)
from nab.sweeper import Sweeper  # noqa: E402  (NAB's own code, read from its checkout)


def parse(text):
    for form in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, form)
        except ValueError:
            pass
    raise ValueError(text)


with open(os.path.join(nab_dir, "labels", "combined_windows.json")) as f:
    labels = {k: v for k, v in json.load(f).items() if k.split("/")[0] in TUNING}
with open(os.path.join(nab_dir, "config", "profiles.json")) as f:
    profiles = json.load(f)
with open(os.path.join(nab_dir, "config", "thresholds.json")) as f:
    thresholds = json.load(f)


def read_results(detector, key):
    category, name = key.split("/")
    with open(os.path.join(nab_dir, "results", detector, category, detector + "_" + name)) as f:
        rows = list(csv.DictReader(f))
    return [parse(r["timestamp"]) for r in rows], [float(r["anomaly_score"]) for r in rows]


def raw_scores(detector, profile):
    threshold = thresholds[detector][profile]["threshold"]
    out = {}
    for key in sorted(labels):
        times, scores = read_results(detector, key)
        windows = [[parse(a), parse(b)] for a, b in labels[key]]
        sweeper = Sweeper(probationPercent=0.15, costMatrix=profiles[profile]["CostMatrix"])
        _, row = sweeper.scoreDataSet(times, scores, windows, key, threshold)
        out[key] = row.score
    return out


detectors = sys.argv[2:] or sorted(
    d for d in os.listdir(os.path.join(nab_dir, "results")) if os.path.isdir(os.path.join(nab_dir, "results", d))
)
for detector in detectors:
    result = {"detector": detector}
    for profile in profiles:
        base = raw_scores("null", profile)
        raw = raw_scores(detector, profile)
        tp = profiles[profile]["CostMatrix"]["tpWeight"]
        per = {}
        for category in TUNING + ("all",):
            keys = [k for k in labels if category == "all" or k.startswith(category + "/")]
            perfect = tp * sum(len(labels[k]) for k in keys)
            null = sum(base[k] for k in keys)
            total = sum(raw[k] for k in keys)
            per[category] = None if perfect == null else 100 * (total - null) / (perfect - null)
            if category == "all":
                per["raw"] = total
        result[profile] = per
    print(json.dumps(result))
