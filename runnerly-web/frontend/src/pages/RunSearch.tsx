import { useState, type FormEvent } from "react";
import { endpoints } from "../api/endpoints";
import { Field, SelectField } from "../components/Field";
import { Link } from "../components/Link";
import { LoadError, Loading } from "../components/Status";
import { SPORTS } from "../lib/runEdits";
import { formOf, PER_PAGE, problemsOf, searchFromQuery, searchOf, searchPath, searchQuery, type SearchForm } from "../lib/runSearch";
import { distanceLabel, formatDistance } from "../lib/units";
import { useApi } from "../lib/useApi";
import { navigate } from "../router";
import { useSession } from "../session";
import { RunList } from "./RunsMonth";
import "./finding.css";

/** The form, as typed; `key`ed on the address by the page, so Back shows that search's values. */
function SearchFormView({ initial, onSearch }: { initial: SearchForm; onSearch: (form: SearchForm) => void }) {
  const { units } = useSession();
  const [form, setForm] = useState(initial);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const set = (name: keyof SearchForm) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [name]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = problemsOf(form);
    setProblems(found);
    if (Object.keys(found).length === 0) onSearch(form);
  };
  const unit = distanceLabel(units);
  return (
    <form className="card run-search" role="search" aria-label="Find runs" onSubmit={submit} noValidate>
      <Field label="Words in the title or notes" name="q" type="search" maxLength={100} value={form.q} onChange={set("q")} />
      <div className="run-search__row">
        <Field label="From" name="from_day" type="date" value={form.from_day} onChange={set("from_day")} error={problems.from_day} />
        <Field label="To" name="to_day" type="date" value={form.to_day} onChange={set("to_day")} error={problems.to_day} />
      </div>
      <div className="run-search__row">
        <Field label={`At least (${unit})`} name="min" type="number" inputMode="decimal" min={0} step="any" value={form.min} onChange={set("min")} error={problems.min} />
        <Field label={`At most (${unit})`} name="max" type="number" inputMode="decimal" min={0} step="any" value={form.max} onChange={set("max")} error={problems.max} />
      </div>
      <SelectField label="Sport" name="sport" value={form.sport} onChange={set("sport")}>
        <option value="">Any sport</option>
        {SPORTS.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </SelectField>
      <div className="actions">
        <button type="submit" className="button button--primary">
          Search
        </button>
        <Link to={searchPath({})}>Clear</Link>
      </div>
    </form>
  );
}

/** The runner's runs, searched: the filters live in the address (`query`), so a search can
 * be shared or bookmarked and the browser's Back returns to the previous one. */
export function RunSearchPage({ query }: { query: string }) {
  const { units } = useSession();
  const search = searchFromQuery(query);
  const key = searchQuery(search);
  const page = search.page ?? 1;
  const found = useApi(() => endpoints.searchRuns({ ...search, per_page: PER_PAGE }), `search:${key}`);
  const total = found.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PER_PAGE));
  const goTo = (n: number) => navigate(searchPath({ ...search, page: n > 1 ? n : undefined }));
  const filtered = Object.keys(search).some((k) => k !== "page");

  return (
    <>
      <h1>Find runs</h1>
      <SearchFormView key={key} initial={formOf(search, units)} onSearch={(form) => navigate(searchPath(searchOf(form, units)))} />
      {found.loading && !found.data ? (
        <Loading what="Searching your runs" />
      ) : found.error ? (
        <LoadError error={found.error} retry={found.reload} />
      ) : found.data && found.data.items.length === 0 ? (
        <p className="muted" role="status">
          {filtered ? "No runs match this search." : "No runs yet."} <Link to="/upload">Upload a file</Link>
        </p>
      ) : found.data ? (
        <>
          <p role="status">
            {total} {total === 1 ? "run" : "runs"} found
            {search.min_distance !== undefined || search.max_distance !== undefined
              ? ` (${search.min_distance !== undefined ? `from ${formatDistance(search.min_distance, units, 1)}` : ""}${
                  search.min_distance !== undefined && search.max_distance !== undefined ? " " : ""
                }${search.max_distance !== undefined ? `up to ${formatDistance(search.max_distance, units, 1)}` : ""})`
              : ""}
            {pages > 1 && ` · page ${page} of ${pages}`}
          </p>
          <RunList runs={found.data.items} units={units} />
          {pages > 1 && (
            <nav className="pager" aria-label="Pages of runs found">
              <button type="button" disabled={page <= 1} onClick={() => goTo(page - 1)}>
                ‹ Newer
              </button>
              <button type="button" disabled={page >= pages} onClick={() => goTo(page + 1)}>
                Older ›
              </button>
            </nav>
          )}
        </>
      ) : null}
    </>
  );
}
