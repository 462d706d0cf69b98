import { describe, expect, it } from 'vitest';
import { cjkBigramsSql, tsQuerySql } from './text-search.js';

describe('tsQuerySql', () => {
  it('should match any term of a natural-language question', () => {
    expect(tsQuerySql('$4', 'what did caroline say about adoption')).toContain(`replace(websearch_to_tsquery('english'::regconfig, ${cjkBigramsSql('$4')})::text, ' & ', ' | ')`);
  });

  it('should keep web-search semantics for quoted phrases, or and exclusions', () => {
    for (const query of ['"exact phrase" here', 'cats or dogs', 'pets -cats']) {
      expect(tsQuerySql('$4', query)).toBe(`websearch_to_tsquery('english'::regconfig, ${cjkBigramsSql('$4')})`);
    }
  });

  it('should only ever reference the parameter, never the query text', () => {
    expect(tsQuerySql('$9', "'; DROP TABLE x; --")).not.toContain('DROP');
  });
});
