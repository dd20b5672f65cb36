/**
 * Bounded free text for the config schemas (model/schema.ts and the services' own schemas). A module of its own:
 * schema.ts imports the services' schemas, which need these too.
 */
import { z } from "zod";

/** Control characters (a newline included): free text ends up in one-line comments of rendered files. */
export const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * One line of free text of 1 to `max` characters. Every string of the config is bounded: its value reaches
 * rendered files, certificates and AD attributes, each with its own limit, and an unbounded value is a way to
 * make synth, the docs or a guest step choke.
 */
export function text(max: number, what: string) {
    // The base string carries what the text is (the configuration reference's type column shows it); a field's
    // own description goes on the field, outermost, so that a field without one is found.
    return z
        .string()
        .min(1)
        .max(max)
        .describe(`${what} (one line)`)
        .refine((v) => !CONTROL.test(v), "must be one line, without control characters");
}
