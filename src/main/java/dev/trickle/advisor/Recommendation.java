package dev.trickle.advisor;

/**
 * One row of {@code pgtrickle.tune_recommendations()}: a setting, its value now, the value the
 * advisor recommends, and what was observed that led to it.
 *
 * @param gucName a setting's flat name ({@code pg_trickle.max_workers}) or a stream table's own
 *     setting ({@code public.orders_by_day.schedule})
 * @param currentValue the value in effect
 * @param recommendedValue the value recommended
 * @param reason what was observed, in a sentence
 */
public record Recommendation(
    String gucName, String currentValue, String recommendedValue, String reason) {}
