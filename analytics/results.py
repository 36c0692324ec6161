"""Engine results to database rows: the typed contract between the maths and storage.

Every field of the engine's dataclasses that is stored has exactly one destination here,
read as an attribute (never `dict.get(key, default)`), so a field renamed or added in the
engine fails loudly instead of being dropped.
"""

from __future__ import annotations

from analytics.engine import Comparison, PipelineResult, plain_json
from analytics.models import ClusteringRun, ComparisonResult, Phenotype

# Comparison fields that are not columns of their own: `posthoc` and `summaries` are
# JSON columns under the same name; nothing else may be missing from the mapping.
COMPARISON_COLUMNS = (
    "variable",
    "kind",
    "test",
    "summaries",
    "statistic",
    "df",
    "p_value",
    "p_method",
    "effect_size",
    "effect_size_name",
    "posthoc",
    "note",
    "sparse",
    "asymptotic_p",
    "p_adjusted",
    "adjust_method",
    "inferential",
    "p_floor",
)


def comparison_row(run: ClusteringRun, order: int, c: Comparison) -> ComparisonResult:
    return ComparisonResult(
        run=run,
        order=order,
        variable=c.variable,
        kind=c.kind,
        test=c.test,
        summaries=plain_json(c.summaries),
        statistic=plain_json(c.statistic),
        df=c.df,
        p_value=plain_json(c.p_value),
        p_method=c.p_method,
        effect_size=plain_json(c.effect_size),
        effect_size_name=c.effect_size_name,
        posthoc=plain_json(c.posthoc),
        note=c.note,
        sparse=c.sparse,
        asymptotic_p=plain_json(c.asymptotic_p),
        p_adjusted=plain_json(c.p_adjusted),
        adjust_method=c.adjust_method,
        inferential=c.inferential,
        p_floor=c.p_floor,
    )


def phenotype_rows(run: ClusteringRun, result: PipelineResult) -> dict[int, Phenotype]:
    return {
        p.id: Phenotype(
            run=run,
            stable_id=p.id,
            name=p.name,
            description=p.description,
            size=p.size,
            share=p.share,
            centroid=plain_json(p.centroid),
            profile=plain_json(p.profile),
            stability_jaccard=plain_json(p.stability_jaccard),
            stability_flag=p.stability_flag,
        )
        for p in result.phenotypes
    }


def comparison_rows(run: ClusteringRun, result: PipelineResult) -> list[ComparisonResult]:
    return [comparison_row(run, i, c) for i, c in enumerate(result.comparisons)]


def run_result_fields(result: PipelineResult) -> dict:
    """The columns of the run row that the engine fills."""
    return {
        "n_input": result.n_input,
        "cohort_size": result.n_used,
        "k": result.k,
        "k_selection": plain_json(result.k_selection.to_dict() if result.k_selection else {}),
        "preprocessing": plain_json(result.preprocessing),
        "pca": plain_json(result.pca.to_dict()),
        "id_mapping": plain_json(result.id_mapping),
        "model": plain_json(result.model.to_dict()),
        "clusterability": plain_json(
            result.clusterability.to_dict() if result.clusterability else None
        ),
        "within_ss": result.within_ss,
        "diagnostics": plain_json(result.diagnostics),
        "comparison_scope": result.comparison_scope,
    }
