/**
 * The served backends' HTTP transport on Jetty's client ({@link dev.lem.serving.jetty.JettyHttpTransportProvider}),
 * found by {@link java.util.ServiceLoader} and preferred over the built-in {@code java.net.http} one when this artifact
 * is on the class path.
 */
package dev.lem.serving.jetty;
