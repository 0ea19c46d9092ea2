import "@testing-library/jest-dom/vitest";
import { afterEach } from "vitest";
import { cleanup } from "@testing-library/react";

afterEach(() => {
  cleanup();
});

// jsdom has no layout: scrolling is a no-op rather than a "not implemented" error.
window.scrollTo = () => {};
