/**
 * Marathon placement constraints (`[field, OPERATOR, value?]`) as pure functions of the
 * candidate agent and the agents the app's other instances already run on.
 */

export const CONSTRAINT_OPERATORS = [
  'UNIQUE',
  'CLUSTER',
  'GROUP_BY',
  'LIKE',
  'UNLIKE',
  'MAX_PER',
  'IS',
] as const;
export type ConstraintOperator = (typeof CONSTRAINT_OPERATORS)[number];
export type Constraint = [string, ConstraintOperator, string?];

/** What placement needs to know about an agent. */
export interface AgentView {
  agentId: string;
  hostname: string;
  /** Text form of every agent attribute (scalars as Mesos prints them). */
  attributes: Record<string, string>;
  region?: string;
  zone?: string;
}

/** The value a constraint field has on an agent; undefined when the agent lacks it. */
export function fieldValue(agent: AgentView, field: string): string | undefined {
  switch (field) {
    case 'hostname':
    case '@hostname':
      return agent.hostname;
    case '@region':
      return agent.region;
    case '@zone':
      return agent.zone;
    default:
      return agent.attributes[field];
  }
}

/** Problems with one constraint as Marathon's validator words them; empty when valid. */
export function constraintErrors(raw: unknown): string[] {
  if (!Array.isArray(raw) || raw.length < 2 || raw.length > 3)
    return ['Each constraint must have either 2 or 3 fields'];
  const [field, op, value] = raw as unknown[];
  if (typeof field !== 'string' || field.length === 0) return ['Missing field for constraint'];
  if (typeof op !== 'string' || !(CONSTRAINT_OPERATORS as readonly string[]).includes(op))
    return [`Constraint operator must be one of ${CONSTRAINT_OPERATORS.join(', ')}`];
  if (value !== undefined && typeof value !== 'string') return ['Value must be a string'];
  switch (op as ConstraintOperator) {
    case 'UNIQUE':
      return value === undefined ? [] : ['Value specified but not used'];
    case 'CLUSTER':
      return value === undefined || value.length > 0
        ? []
        : ['Missing value for constraint operator CLUSTER'];
    case 'GROUP_BY':
      return value === undefined || /^\d+$/.test(value)
        ? []
        : ['Value was not an integer for constraint operator GROUP_BY'];
    case 'MAX_PER':
      return value !== undefined && /^\d+$/.test(value)
        ? []
        : ['Value was not an integer for constraint operator MAX_PER'];
    case 'LIKE':
    case 'UNLIKE':
      if (value === undefined) return [`A regular expression value must be provided`];
      try {
        new RegExp(value);
        return [];
      } catch {
        return [`'${value}' is not a valid regular expression`];
      }
    case 'IS':
      return value === undefined || value.length === 0
        ? ['Missing value for constraint operator IS']
        : [];
  }
}

function fullMatch(re: string, v: string): boolean {
  return new RegExp(`^(?:${re})$`).test(v);
}

/** Normalise scalar text (`2.0` vs `2`) so IS/CLUSTER compare values, not spellings. */
function same(a: string, b: string): boolean {
  if (a === b) return true;
  const na = Number(a);
  const nb = Number(b);
  return a.trim() !== '' && b.trim() !== '' && !Number.isNaN(na) && na === nb;
}

/**
 * May one more instance go on `candidate`, given the agents the app's other (non-terminal)
 * instances run on (`placed`, one entry per instance)?
 */
export function meetsConstraint(c: Constraint, candidate: AgentView, placed: AgentView[]): boolean {
  const [field, op, value] = c;
  const v = fieldValue(candidate, field);
  if (op === 'UNLIKE') return v === undefined || !fullMatch(value ?? '', v);
  if (v === undefined) return false;
  const others = placed.map((a) => fieldValue(a, field));
  switch (op) {
    case 'UNIQUE':
      return !others.some((o) => o !== undefined && same(o, v));
    case 'CLUSTER':
      if (value !== undefined && value !== '') return same(v, value);
      return others.every((o) => o === undefined || same(o, v));
    case 'LIKE':
      return fullMatch(value ?? '', v);
    case 'IS':
      return same(v, value ?? '');
    case 'MAX_PER': {
      const max = Number(value);
      return others.filter((o) => o !== undefined && same(o, v)).length < max;
    }
    case 'GROUP_BY': {
      const groups = new Map<string, number>();
      for (const o of others) if (o !== undefined) groups.set(o, (groups.get(o) ?? 0) + 1);
      const mine = [...groups.entries()].find(([k]) => same(k, v))?.[1] ?? 0;
      const want = value ? Number(value) : 0;
      // Fewer groups than asked for: only a new group keeps the spread even.
      if (groups.size < want) return mine === 0;
      const min = groups.size === 0 ? 0 : Math.min(...groups.values());
      return mine <= min;
    }
  }
  return false;
}

/** The first constraint `candidate` violates, or undefined when all hold. */
export function violatedConstraint(
  constraints: readonly Constraint[],
  candidate: AgentView,
  placed: AgentView[],
): Constraint | undefined {
  return constraints.find((c) => !meetsConstraint(c, candidate, placed));
}
