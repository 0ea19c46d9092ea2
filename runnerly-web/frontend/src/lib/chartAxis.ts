// What the charts (components/charts.tsx) share: their height and margins, their box's width,
// which weeks get a date on the x axis, and the week the pointer or the arrow keys chose.
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from "react";
import { wallClock } from "./dates";

export const DEFAULT_WIDTH = 640;
export const HEIGHT = 220;
export const M = { top: 12, right: 24, bottom: 30, left: 44 };
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

/** The week under the pointer or chosen with the arrow keys; null when none. */
export function useActive(count: number) {
  const [active, setActive] = useState<number | null>(null);
  const onKeyDown = useCallback(
    (e: KeyboardEvent) => {
      if (count === 0) return;
      const moves: Record<string, (i: number) => number> = {
        ArrowRight: (i) => Math.min(count - 1, i + 1),
        ArrowLeft: (i) => Math.max(0, i - 1),
        Home: () => 0,
        End: () => count - 1,
      };
      const move = moves[e.key];
      if (!move) return;
      e.preventDefault();
      setActive((i) => (i == null ? count - 1 : move(i)));
    },
    [count],
  );
  // Focus shows the latest week at once: the one a runner most often wants.
  const onFocus = useCallback(() => setActive((i) => (i == null && count > 0 ? count - 1 : i)), [count]);
  const onBlur = useCallback(() => setActive(null), []);
  return { active, setActive, handlers: { onKeyDown, onFocus, onBlur } };
}
