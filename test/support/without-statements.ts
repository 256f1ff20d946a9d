import { asList, asObject, type JsonObject } from '../../cfn/json-values';
import type { PolicyInventory } from '../../lib/tools/calls/policy-inventory';

/**
 * Takes the statements `drop` selects out of the identity policies of role `roleArn`, in place: a
 * deployment whose role lacks a grant, to see the run-time check deny what needs it.
 */
export function withoutStatements(
  inventory: PolicyInventory,
  roleArn: string,
  drop: (statement: JsonObject) => boolean,
): void {
  const role = inventory.roles.get(roleArn);
  if (!role) throw new Error(`no role ${roleArn} in the inventory`);
  inventory.roles.set(roleArn, {
    ...role,
    identityPolicies: role.identityPolicies.map((p) => ({
      ...p,
      document: {
        ...p.document,
        Statement: asList(p.document.Statement).filter((s) => !drop(asObject(s) ?? {})),
      },
    })),
  });
}

/** Whether a statement grants `action` (named exactly). */
export const grants = (action: string) => (statement: JsonObject) =>
  [statement.Action].flat().includes(action);
