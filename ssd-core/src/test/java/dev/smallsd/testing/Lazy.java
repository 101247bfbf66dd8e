package dev.smallsd.testing;

import java.util.function.Supplier;

/**
 * A value computed once, on first use, shared by the dynamic tests of one golden case (one pipeline run checked in
 * several named tests). A failure is remembered and rethrown to every later caller, so each test reports it.
 *
 * @param <T> the value type
 */
public final class Lazy<T> implements Supplier<T> {
    private final Supplier<T> compute;
    private T value;
    private RuntimeException failure;
    private Error error;

    private Lazy(Supplier<T> compute) {
        this.compute = compute;
    }

    /**
     * @param compute computes the value (called at most once)
     * @param <T> the value type
     * @return the lazy value
     */
    public static <T> Lazy<T> of(Supplier<T> compute) {
        return new Lazy<>(compute);
    }

    @Override
    public synchronized T get() {
        if (value == null && failure == null && error == null) {
            try {
                value = compute.get();
            } catch (RuntimeException e) {
                failure = e;
            } catch (AssertionError e) {
                error = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
        if (error != null) {
            throw error;
        }
        return value;
    }
}
