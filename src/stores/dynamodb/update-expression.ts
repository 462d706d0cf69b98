import type { Update } from './table-client.js';

/**
 * Builds an UpdateItem expression with every attribute name behind a placeholder (`ttl`, `state`
 * and others are DynamoDB reserved words) and every value behind another.
 */
export function buildUpdate(options: {
  set?: Record<string, unknown>;
  /** `name = name + :value` (use a negative value to subtract). */
  add?: Record<string, number>;
  remove?: readonly string[];
  /** A condition using `#name` placeholders from `conditionNames` and `:value` placeholders from `conditionValues`. */
  condition?: string;
  conditionNames?: Record<string, string>;
  conditionValues?: Record<string, unknown>;
}): Update {
  const names: Record<string, string> = { ...options.conditionNames };
  const values: Record<string, unknown> = { ...options.conditionValues };
  const sets: string[] = [];
  let counter = 0;
  const name = (attribute: string) => {
    const placeholder = `#u${counter}`;
    names[placeholder] = attribute;
    return placeholder;
  };
  const value = (raw: unknown) => {
    const placeholder = `:u${counter}`;
    values[placeholder] = raw;
    counter += 1;
    return placeholder;
  };
  for (const [attribute, raw] of Object.entries(options.set ?? {})) {
    if (raw === undefined) continue;
    const key = name(attribute);
    sets.push(`${key} = ${value(raw)}`);
  }
  for (const [attribute, amount] of Object.entries(options.add ?? {})) {
    const key = name(attribute);
    sets.push(`${key} = ${key} + ${value(amount)}`);
  }
  const removes = (options.remove ?? []).map((attribute) => {
    const key = name(attribute);
    counter += 1;
    return key;
  });
  const expression = [sets.length > 0 ? `SET ${sets.join(', ')}` : '', removes.length > 0 ? `REMOVE ${removes.join(', ')}` : ''].filter(Boolean).join(' ');
  return {
    expression,
    ...(options.condition ? { condition: options.condition } : {}),
    names,
    ...(Object.keys(values).length > 0 ? { values } : {}),
  };
}
