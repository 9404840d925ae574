/** The soft budget that `--yes` overrides: which runs are over it, in words. */
import { DEFAULT_BUDGET, formatCost, overBudget } from '../protocol/cost';
import type { CostEstimate } from '../protocol/cost';

/** Lines saying which runs are over the budget (empty when all are within it). */
export function overBudgetLines(runs: { key: string; cost: CostEstimate }[]): string[] {
  return runs.flatMap(({ key, cost }) => {
    const over = overBudget(cost, DEFAULT_BUDGET);
    return over.length ? [`${key}: ${formatCost(cost)}; over the budget: ${over.join(', ')}`] : [];
  });
}
