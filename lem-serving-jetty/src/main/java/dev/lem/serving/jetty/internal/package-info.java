/** The Jetty transport's implementation; not API. */
package dev.lem.serving.jetty.internal;
