#!/usr/bin/env python3
"""How well leads.csv ranks the planted compound reports above the decoys.

Usage: rank_quality.py GROUND_TRUTH_CSV LEADS_CSV

Reads the generator's ground_truth.csv (planted_as: compound, decoy, link) and the
leads.csv of `match --leads`. Each report's score is its highest ip_only score. Prints
precision at 50, 100 and 500 and the ROC AUC (Mann-Whitney, ties counted half) of the
score against ordering by strength alone (every ip_only report equal), first for
compound reports against decoys, then against every other ip_only report.
"""
import csv
import sys


def auc(positives, negatives):
    """The chance that a random positive scores above a random negative (ties: half)."""
    if not positives or not negatives:
        return float("nan")
    ranked = sorted([(s, 1) for s in positives] + [(s, 0) for s in negatives])
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mid = (i + 1 + j) / 2.0  # ranks are 1-based; ties share the mean rank
        rank_sum += mid * sum(label for _, label in ranked[i:j])
        i = j
    n_pos, n_neg = len(positives), len(negatives)
    return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


def precision_at(order, truth, k):
    top = order[:k]
    return sum(truth[r] for r in top) / len(top) if top else float("nan")


def main():
    truth_path, leads_path = sys.argv[1], sys.argv[2]
    planted = {}
    with open(truth_path, newline="") as f:
        for row in csv.DictReader(f):
            if row["expected_strength"] == "ip_time":
                planted[row["report_id"]] = "ip_time"
            elif planted.get(row["report_id"]) != "ip_time":
                planted[row["report_id"]] = row["planted_as"]
    score = {}
    with open(leads_path, newline="") as f:
        for row in csv.DictReader(f):
            if row["kind"] == "ip_only":
                r = row["report_id"]
                score[r] = max(score.get(r, 0.0), float(row["score"]))
    ip_only = [r for r, kind in planted.items() if kind != "ip_time"]
    missing = [r for r in ip_only if r not in score]
    if missing:
        sys.exit(f"{len(missing)} planted ip_only reports have no ip_only row in leads.csv")
    compounds = [r for r in ip_only if planted[r] == "compound"]
    print(f"ip_only reports: {len(ip_only)}, of them {len(compounds)} compound, "
          f"{sum(planted[r] == 'decoy' for r in ip_only)} decoys")
    for against in ("decoy", "any other ip_only"):
        pool = [r for r in ip_only if planted[r] == "compound"
                or against != "decoy" or planted[r] == "decoy"]
        truth = {r: planted[r] == "compound" for r in pool}
        order = sorted(pool, key=lambda r: (-score[r], r))
        base = sum(truth.values()) / len(pool)
        pos = [score[r] for r in pool if truth[r]]
        neg = [score[r] for r in pool if not truth[r]]
        print(f"compound against {against} ({len(pool)} reports):")
        print(f"  {'':18}{'P@50':>8}{'P@100':>8}{'P@500':>8}{'ROC AUC':>10}")
        print(f"  {'score':18}" + "".join(f"{precision_at(order, truth, k):8.3f}" for k in (50, 100, 500))
              + f"{auc(pos, neg):10.3f}")
        print(f"  {'strength alone':18}" + f"{base:8.3f}" * 3 + f"{0.5:10.3f}")


if __name__ == "__main__":
    main()
