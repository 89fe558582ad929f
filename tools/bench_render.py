"""The text report of ``python tools/bench.py``: its figures as a person reads them (the JSON of
`bench.run_bench` is what machines read), and the scale curve's rows.
"""

from __future__ import annotations


def scale_rows(out: dict) -> list[dict]:
    """One flat row per corpus size of the scale curve: the lexical engine the searcher picks
    at that size and the exact dense index (what the searcher uses below HNSW_FROM)."""
    rows = []
    for r in (out.get("scale") or {}).get("results", []):
        emb = r.get("embedded")
        if not emb:
            continue
        lex = emb["lexical"][emb["lexical_auto"]]
        flat = emb["dense"]["flat"]
        row = {"passages": r["passages"], "lexical_engine": emb["lexical_auto"],
               "lexical_build_s": lex["build_s"], "lexical_p50_ms": lex["p50_ms"],
               "lexical_p95_ms": lex["p95_ms"], "lexical_memory_mb": lex["memory_mb"],
               "dense_build_s": flat["build_s"],
               "dense_p50_ms": flat["all_scores"]["p50_ms"],
               "dense_p95_ms": flat["all_scores"]["p95_ms"], "dense_memory_mb": flat["memory_mb"]}
        if "milvus_lite" in r:
            row["milvus_hybrid_p50_ms"] = r["milvus_lite"]["hybrid"]["p50_ms"]
        rows.append(row)
    return rows


# -- rendering --------------------------------------------------------------------------------
def render_bench(out: dict) -> str:
    m, lat = out["machine"], out["latency"]
    lines = [f"bench ({out['when']}): {m['cores_used']} of {m['cpus']} cores, load "
             f"average {m['load_average_start']} at the start, {m['load_average_end']} at the "
             f"end; model {out['model']['name']}; {out['index']['passages']} passages",
             "",
             f"{lat['questions']} questions x {lat['rounds']} rounds, interleaved:",
             f"  {'':26}{'p50 ms':>9}{'p95 ms':>9}{'n':>6}"]
    for key, label in (("encode", "query encoding alone"), ("search", "search"),
                       ("ask", "ask")):
        s = lat[key]
        lines.append(f"  {label:26}{s['p50_ms']:>9.1f}{s['p95_ms']:>9.1f}{s['n']:>6}")
    parts = lat.get("search_parts_p50_ms") or {}
    if parts:
        lines.append("  inside search (p50): " + ", ".join(
            f"{k.removesuffix('_ms')} {v:.1f} ms" for k, v in parts.items()))
    r = out["ratios"]
    lines.append(f"  ratios of the p50s: search / encoding {r['search_over_encode']:.2f}, "
                 f"ask / search {r['ask_over_search']:.2f}")
    paired = lat.get("paired_ratio_p50")
    if paired:
        lines.append(f"  p50 of each question's own ratio: search / encoding "
                     f"{paired['search_over_encode']:.2f}, ask / search "
                     f"{paired['ask_over_search']:.2f}")
    lines += ["", f"one-shot commands (fresh processes, {out['cold_start']['n']} runs after one "
              f"unmeasured; threads {m.get('query_threads')}):"]
    shots = out.get("one_shot") or {"ask": out["cold_start"]}
    for key, label in (("search", "fahras search"), ("ask", "fahras ask (cold start to "
                       "first answer)"), ("bm25s_peer", "bm25s peer (the same passages)")):
        c = shots.get(key)
        if c:
            lines.append(f"  {label}: p50 {c['p50_s']:.2f} s, p95 {c['p95_s']:.2f} s; peak "
                         f"memory {c['peak_rss_mb']:.0f} MB")
    sv = out.get("serve")
    if sv and "error" in sv:
        lines.append(f"  fahras serve: not measured ({sv['error']})")
    elif sv:
        said = sv.get("server_says_p50") or {}
        parts = (f"; it says: index and model {said['index_and_model_s']:.1f} s, Gradio and "
                 f"the interface {said['gradio_and_interface_s']:.1f} s"
                 if len(said) == 2 else "")
        lines.append(f"  fahras serve to its first search result: p50 {sv['p50_s']:.2f} s, p95 "
                     f"{sv['p95_s']:.2f} s ({sv['n']} runs{parts})")
    ov = out.get("oversubscription")
    if ov:
        lines.append("single-query encoding, quiet and beside a CPU-bound process (p50 ms):")
        for key in sorted(k for k in ov if k.startswith("threads_")):
            t = ov[key]
            lines.append(f"  {key.split('_')[1]} thread(s): {t['quiet_p50_ms']:.1f} quiet, "
                         f"{t['busy_p50_ms']:.1f} busy ({t['busy_over_quiet']:.2f}x)")
    b = out["index_build"]
    lines.append(f"index build of the report ({b['passages']} passages, {b['sentences']} "
                 f"sentences; model loaded; {b['n']} runs): p50 {b['p50_s']:.2f} s, p95 "
                 f"{b['p95_s']:.2f} s")
    e = out["encoding"]
    lines.append(f"encoding throughput ({e['model']}, {e.get('threads')} threads): "
                 f"{e['passages_per_s']:.1f} passages/s ({e.get('passages_per_s_1_thread', 0):.1f}"
                 f" on 1 thread), {e['sentences_per_s'] or 0:.1f} sentences/s -> 100k passages "
                 f"with their sentences: about {e['estimate_100k_passages_h']:.1f} h")
    mem = out["memory"]
    lines.append(f"memory: this process {mem['bench_process_rss_mb']:.0f} MB after the queries "
                 f"(peak {mem['bench_process_peak_mb']:.0f} MB, scale runs included)")
    mb = out.get("model_bench")
    if mb:
        conv = (f"conversion {mb['conversion_s']:.1f} s, second resolve "
                f"{mb['second_resolve_ms']:.1f} ms, " if "conversion_s" in mb else "")
        lines.append(f"model (tools/model_bench.py): {conv}import {mb['import_s']:.1f} s, load "
                     f"{mb['load_s']:.1f} s, query p50 {mb['query_p50_ms']:.1f} ms")
    rows = scale_rows(out)
    if rows:
        lines += ["", "scale (synthetic corpora; lexical: the BM25 engine chosen at that size; "
                  "dense: exact FAISS, scoring every passage):",
                  f"  {'passages':>9}{'engine':>11}{'lex build s':>13}{'lex p50 ms':>12}"
                  f"{'lex MB':>9}{'dense build s':>15}{'dense p50 ms':>14}{'dense MB':>10}"]
        for row in rows:
            lines.append(f"  {row['passages']:>9,}{row['lexical_engine']:>11}"
                         f"{row['lexical_build_s']:>13.2f}{row['lexical_p50_ms']:>12.2f}"
                         f"{row['lexical_memory_mb']:>9.1f}{row['dense_build_s']:>15.2f}"
                         f"{row['dense_p50_ms']:>14.2f}{row['dense_memory_mb']:>10.1f}")
    targets = [t for t in out["targets"] if t["met"] is not None]
    if targets:
        lines += ["", "Targets:"]
        for t in targets:
            lines.append(f"  {'met   ' if t['met'] else 'MISSED'} {t['issue']}: {t['what']} "
                         f"{t['target']} (got {t['value']:g})")
    lines += ["", f"({out['seconds']:.0f} s in all; the machine may be shared: compare ratios, "
              "quote medians)"]
    return "\n".join(lines)
