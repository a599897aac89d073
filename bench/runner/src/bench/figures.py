"""What a scenario reports: our figure, the ceiling measured in the same run, the ratio."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """How hard and how long to push: the full run, or the smoke run CI keeps working."""

    name: str
    scale: float
    schools: int
    step_duration: float  # seconds per rate step of a search
    warmup: float
    start_rate: float
    max_rate: float
    # The lag is measured at this share of the highest mark rate journal accepts (the
    # posting scenario's figure of the same run, else a short search of the lag's own).
    lag_share: float
    publish_rate: float  # marks/s at which commit → publish is measured
    lag_duration: float
    report_repeats: int  # warm report requests
    cold_repeats: int  # report requests each after a fresh start of the service
    readers: int  # distinct diary readers (students and parents) logged in
    page_rate: float  # journal pages/s offered by the page read (its goal: 100/s)
    page_duration: float  # seconds measured at that rate
    save_lessons: int  # fresh lessons made for each search of the bulk save (ours, raw)
    save_start_rate: float  # saves/s the bulk save's searches start from (a save is ~55 rows)


FULL = Profile(
    name="full",
    scale=1.0,
    schools=1,
    step_duration=8.0,
    warmup=2.0,
    start_rate=50.0,
    max_rate=6400.0,
    lag_share=0.8,
    publish_rate=200.0,
    lag_duration=20.0,
    report_repeats=30,
    cold_repeats=3,
    readers=40,
    page_rate=100.0,
    page_duration=20.0,
    save_lessons=16_000,
    save_start_rate=1.0,
)

SMOKE = Profile(
    name="smoke",
    scale=0.05,
    schools=1,
    step_duration=0.5,
    warmup=0.2,
    start_rate=10.0,
    max_rate=20.0,
    lag_share=0.8,
    publish_rate=20.0,
    lag_duration=1.0,
    report_repeats=3,
    cold_repeats=1,
    readers=4,
    page_rate=10.0,
    page_duration=1.0,
    save_lessons=200,
    save_start_rate=2.0,
)


@dataclass(frozen=True)
class Figure:
    scenario: str
    measure: str
    unit: str
    ours: float
    ceiling: float
    # Rates: ours / ceiling (1 is the ceiling). Latencies: ours / ceiling (1 is the ceiling).
    target: str
    met: bool | None  # None: the smoke run, which judges nothing
    details: str = ""

    @property
    def ratio(self) -> float:
        return self.ours / self.ceiling if self.ceiling else float("nan")


def markdown_table(figures: list[Figure]) -> str:
    """The results as docs/benchmarks.md shows them."""
    lines = [
        "| scenario | measure | ours | ceiling | ratio | target | met |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for f in figures:
        met = "—" if f.met is None else ("yes" if f.met else "**no**")
        lines.append(
            f"| {f.scenario} | {f.measure} | {f.ours:,.1f} {f.unit} | {f.ceiling:,.1f} {f.unit} "
            f"| {f.ratio:.2f} | {f.target} | {met} |"
        )
    return "\n".join(lines)
