package dev.lem.serving.internal;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.OptionalLong;

/** Reads a Prometheus text endpoint once: the body and the server's {@code Date} header. */
@FunctionalInterface
interface ExporterScraper {

    /**
     * One scrape's answer.
     *
     * @param body            the Prometheus text
     * @param dateEpochMillis the server's {@code Date} header (whole seconds), when it sent one
     */
    record Scrape(String body, OptionalLong dateEpochMillis) {
    }

    /**
     * Reads the endpoint.
     *
     * @return the answer
     * @throws IOException when it cannot be read or answers other than 200
     */
    Scrape scrape() throws IOException;

    /** A scraper over HTTP with the JDK client: GET with {@code timeout}, 200 or an error. */
    static ExporterScraper http(URI url, Duration timeout) {
        JdkHttpClientSettings.apply();
        HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1)
                .build();
        HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout).header("Accept", "text/plain").GET().build();
        return () -> {
            HttpResponse<String> r;
            try {
                r = client.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while reading " + url, e);
            }
            if (r.statusCode() != 200) {
                throw new IOException(url + " answered HTTP " + r.statusCode());
            }
            OptionalLong date = r.headers().firstValue("Date").map(ExporterScraper::parseDate)
                    .orElse(OptionalLong.empty());
            return new Scrape(r.body(), date);
        };
    }

    /** An RFC 1123 date (the HTTP {@code Date} header) as epoch ms; empty when it does not parse. */
    static OptionalLong parseDate(String header) {
        try {
            return OptionalLong.of(ZonedDateTime.parse(header.strip(), DateTimeFormatter.RFC_1123_DATE_TIME)
                    .toInstant().toEpochMilli());
        } catch (DateTimeParseException e) {
            return OptionalLong.empty();
        }
    }
}
