import { render, screen } from "@testing-library/react";
import type { ReactElement } from "react";
import { describe, expect, it } from "vitest";
import { Field, SelectField, TextAreaField } from "./Field";

type Props = { error?: string; hint?: string };

const kinds: [string, (props: Props) => ReactElement][] = [
  ["a text input", (p) => <Field label="Name" {...p} />],
  ["a select", (p) => <SelectField label="Name" {...p}><option>Ada</option></SelectField>],
  ["a text area", (p) => <TextAreaField label="Name" {...p} />],
];

describe.each(kinds)("a field with %s", (_, field) => {
  it("is found by its label, and is valid and undescribed without a hint or error", () => {
    render(field({}));
    const control = screen.getByLabelText("Name");
    expect(control).not.toHaveAttribute("aria-invalid");
    expect(control).not.toHaveAttribute("aria-describedby");
  });

  it("reads out its hint, then the API's error as a sentence, and is marked invalid", () => {
    render(field({ hint: "As on your race bib", error: "is too short" }));
    const control = screen.getByLabelText("Name");
    expect(control).toHaveAttribute("aria-invalid", "true");
    expect(control).toHaveAccessibleDescription("As on your race bib Is too short");
    expect(screen.getByText("Is too short")).toHaveClass("field__error");
  });
});
