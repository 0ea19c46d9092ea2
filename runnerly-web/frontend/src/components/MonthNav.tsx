import { addMonths, compareMonths, monthLabel, type YearMonth } from "../lib/dates";

/** Previous / next month, never past the current month (there are no runs in the future). */
export function MonthNav({
  value,
  latest,
  onChange,
}: {
  value: YearMonth;
  latest: YearMonth;
  onChange: (next: YearMonth) => void;
}) {
  const prev = addMonths(value, -1);
  const next = addMonths(value, 1);
  const atLatest = compareMonths(value, latest) >= 0;
  return (
    <nav className="month-nav" aria-label="Month">
      <button type="button" onClick={() => onChange(prev)} aria-label={`Previous month, ${monthLabel(prev)}`}>
        ‹ <span className="month-nav__short">{monthLabel(prev)}</span>
      </button>
      <h2 aria-live="polite">{monthLabel(value)}</h2>
      <button
        type="button"
        onClick={() => onChange(next)}
        disabled={atLatest}
        aria-label={`Next month, ${monthLabel(next)}`}
      >
        <span className="month-nav__short">{monthLabel(next)}</span> ›
      </button>
    </nav>
  );
}
