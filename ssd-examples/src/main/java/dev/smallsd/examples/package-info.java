/** Runnable examples and the {@code ssd} command-line tool. */
package dev.smallsd.examples;
