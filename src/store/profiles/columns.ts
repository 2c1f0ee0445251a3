import type { Column } from '../schema-profile';

/** Shorthands for the built-in profiles' column declarations. */
export const text = (name: string, maxLength: number | 'max'): Column => ({ name, type: { kind: 'text', maxLength } });
export const bool = (name: string): Column => ({ name, type: { kind: 'bool' } });
export const timestamp = (name: string): Column => ({ name, type: { kind: 'timestamp' } });
export const int = (name: string): Column => ({ name, type: { kind: 'int' } });
export const guid = (name: string): Column => ({ name, type: { kind: 'guid' } });
