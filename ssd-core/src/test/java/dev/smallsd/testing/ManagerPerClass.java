package dev.smallsd.testing;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Base of golden test classes whose dynamic tests share one {@link NDManager}, opened before the first test of the
 * class and closed after the last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ManagerPerClass {
    /** The class's manager. */
    protected NDManager manager;

    /** Opens the manager. */
    @BeforeAll
    void openManager() {
        manager = NDManager.newBaseManager();
    }

    /** Closes the manager and everything created in it. */
    @AfterAll
    void closeManager() {
        manager.close();
    }
}
