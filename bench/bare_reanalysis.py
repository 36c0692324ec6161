"""The bare baseline of the reanalysis: what the project's core does, in one plain
script with no framework. One SQL query for the latest comfortable gait session per
patient, log1p on the CVs, StandardScaler, PCA(0.8), KMeans(4, n_init=50) on one
thread, one label per patient written with COPY. Prints its stage timings as JSON.

    python -m bench.bare_reanalysis postgres://user@host:5432/db
"""

import io
import json
import resource
import sys
import time

import numpy as np
import pandas as pd
import psycopg2
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

GAIT = ["velocity_m_s", "cadence_steps_min", "stride_length_m", "step_length_m",
        "stride_time_s", "step_time_s", "double_support_pct", "swing_pct", "stance_pct",
        "base_of_support_m", "stride_length_cv_pct", "stride_time_cv_pct"]  # fmt: skip
QUERY = (
    "SELECT DISTINCT ON (v.patient_id) v.patient_id, {cols} FROM registry_gaitsession g "
    "JOIN registry_visit v ON v.id = g.visit_id WHERE g.condition = 'comfortable' "
    "ORDER BY v.patient_id, v.visit_date DESC"
).format(cols=", ".join(f"g.{c}" for c in GAIT))


def main(url: str) -> dict:
    t, clock = {}, time.perf_counter()
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        buffer = io.StringIO()
        cur.copy_expert(f"COPY ({QUERY}) TO STDOUT WITH (FORMAT csv)", buffer)
        buffer.seek(0)
        frame = pd.read_csv(buffer, header=None, names=["patient_id", *GAIT]).dropna()
        t["read"], clock = time.perf_counter() - clock, time.perf_counter()
        x = frame[GAIT].to_numpy(dtype=float)
        x[:, -2:] = np.log1p(x[:, -2:])
        z = StandardScaler().fit_transform(x)
        t["preprocess"], clock = time.perf_counter() - clock, time.perf_counter()
        with threadpool_limits(1):
            points = PCA(0.8, random_state=42).fit_transform(z)
            t["pca"], clock = time.perf_counter() - clock, time.perf_counter()
            labels = KMeans(4, n_init=50, random_state=42).fit_predict(points)
        t["kmeans"], clock = time.perf_counter() - clock, time.perf_counter()
        cur.execute("CREATE TEMP TABLE bare_labels (patient_id bigint, label smallint)")
        out = io.StringIO()
        pd.DataFrame({"p": frame["patient_id"], "l": labels}).to_csv(out, index=False, header=False)
        out.seek(0)
        cur.copy_expert("COPY bare_labels FROM STDIN WITH (FORMAT csv)", out)
    conn.close()
    t["publish"] = time.perf_counter() - clock
    t["n"] = len(frame)
    t["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return t


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
