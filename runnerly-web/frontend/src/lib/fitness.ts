// What the Fitness page says of its figures: the spans it charts, a signed figure, and the
// words for form (decision 61). Apart from the components, so that React's fast refresh
// keeps their state.

export const SPANS = [
  { key: "6w", label: "6 weeks", days: 42 },
  { key: "3m", label: "3 months", days: 91 },
  { key: "1y", label: "1 year", days: 365 },
] as const;
export type Span = (typeof SPANS)[number];

export function spanOf(query: string): Span {
  const key = new URLSearchParams(query).get("span");
  return SPANS.find((s) => s.key === key) ?? SPANS[1];
}

/** What form says, in Coggan's bands of training stress balance. */
export function formWords(form: number): string {
  if (form > 25) return "you are very fresh, and losing fitness";
  if (form > 5) return "you are fresh: a good day to race";
  if (form >= -10) return "you are neither fresh nor tired";
  if (form >= -30) return "you are carrying fatigue: training that builds fitness";
  return "you are carrying a lot of fatigue: rest before it turns into overtraining";
}

export function signed(value: number): string {
  const rounded = Math.round(value);
  return rounded > 0 ? `+${rounded}` : rounded < 0 ? `−${Math.abs(rounded)}` : "0";
}
