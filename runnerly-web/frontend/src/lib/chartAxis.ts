// What the charts (components/charts.tsx) measure and label: their box's width, and which
// weeks get a date on the x axis.
import { useEffect, useRef, useState } from "react";
import { wallClock } from "./dates";

export const DEFAULT_WIDTH = 640;
/** Room one date label needs ("12 Mar" at 12 px, with a gap). */
export const TICK_SPACING = 56;

/** The width of an element's box, followed as it changes; `fallback` until measured. */
export function useWidth<T extends HTMLElement>(fallback = DEFAULT_WIDTH) {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver((entries) => {
      const measured = Math.floor(entries[0]?.contentRect.width ?? 0);
      if (measured > 0) setWidth(measured);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

/** "2 Mar": an axis label for the week starting on `day`. */
export function shortDay(day: string): string {
  return wallClock(day).toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
}

/** Which of `count` evenly spaced positions get a label on an axis `span` px long: every
 * k-th, from the first, so that labels stay `TICK_SPACING` apart. */
export function tickIndexes(count: number, span: number): number[] {
  if (count <= 0) return [];
  const fit = Math.max(1, Math.floor(span / TICK_SPACING));
  const every = Math.max(1, Math.ceil(count / fit));
  const out: number[] = [];
  for (let i = 0; i < count; i += every) out.push(i);
  return out;
}
