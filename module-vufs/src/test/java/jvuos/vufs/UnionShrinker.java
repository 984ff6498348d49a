package jvuos.vufs;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

import jvuos.vufs.UnionRun.Failure;

/**
 * Shrinks a failing union property test scenario: drops operations, then initial entries and
 * whiteouts, while it still fails the same way (with the same signature).
 */
final class UnionShrinker {
    /** Replays one shrink may spend; each costs a few milliseconds. */
    private static final int BUDGET = 800;
    private final String signature;
    private final Function<UnionScenario, Failure> run;
    private int budget = BUDGET;

    private UnionShrinker(String signature, Function<UnionScenario, Failure> run) {
        this.signature = signature;
        this.run = run;
    }

    /** @param run executes a scenario on fresh directories, as the one that failed with {@code signature} */
    static UnionScenario shrink(UnionScenario scenario, String signature, Function<UnionScenario, Failure> run) {
        return new UnionShrinker(signature, run).shrink(scenario);
    }

    private UnionScenario shrink(UnionScenario scenario) {
        UnionScenario s = scenario;
        for (int size = Integer.MAX_VALUE; s.size() < size; ) {
            size = s.size();
            s = shrinkPart(s, UnionScenario::ops, UnionScenario::withOps);
            s = shrinkPart(s, UnionScenario::lower, UnionScenario::withLower);
            s = shrinkPart(s, UnionScenario::upper, UnionScenario::withUpper);
            s = shrinkPart(s, UnionScenario::whiteouts, UnionScenario::withWhiteouts);
        }
        return s;
    }

    private <T> UnionScenario shrinkPart(UnionScenario s, Function<UnionScenario, List<T>> part,
            BiFunction<UnionScenario, List<T>, UnionScenario> with) {
        return with.apply(s, smaller(part.apply(s), items -> fails(with.apply(s, items))));
    }

    private boolean fails(UnionScenario s) {
        if (budget-- <= 0) {
            return false;
        }
        Failure f = run.apply(s);
        return f != null && f.signature().equals(signature);
    }

    /** Delta debugging: removes chunks of halving size, keeping every removal after which the case still fails. */
    private static <T> List<T> smaller(List<T> items, Predicate<List<T>> fails) {
        for (int chunk = Math.max(1, items.size() / 2); chunk > 0; chunk /= 2) {
            for (int start = 0; start < items.size(); ) {
                List<T> candidate = new ArrayList<>(items.subList(0, start));
                candidate.addAll(items.subList(Math.min(items.size(), start + chunk), items.size()));
                if (fails.test(candidate)) {
                    items = candidate;
                } else {
                    start += chunk;
                }
            }
        }
        return items;
    }
}
