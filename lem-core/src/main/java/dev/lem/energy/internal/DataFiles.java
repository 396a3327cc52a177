package dev.lem.energy.internal;

import dev.lem.LemException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The data tables shipped as resources under {@code dev/lem/energy/} (see the {@code NOTICE} there for
 * their sources and licence): a CSV reader that honours quotes and a UTF-8 byte-order mark, and JSON.
 */
final class DataFiles {
    static final String DIR = "/dev/lem/energy/";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private DataFiles() {
    }

    /** Rows of a CSV resource as column-name → value maps (header row first). */
    static List<Map<String, String>> csv(String resource) {
        List<Map<String, String>> rows = new ArrayList<>();
        try (BufferedReader r = reader(resource)) {
            String headerLine = r.readLine();
            if (headerLine == null) {
                return rows;
            }
            List<String> header = splitCsv(stripBom(headerLine));
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                List<String> cells = splitCsv(line);
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 0; i < header.size(); i++) {
                    row.put(header.get(i), i < cells.size() ? cells.get(i) : "");
                }
                rows.add(row);
            }
        } catch (IOException e) {
            throw new LemException("LEM's data file " + DIR + resource + " cannot be read: " + e.getMessage(), e);
        }
        return rows;
    }

    /** A JSON resource's tree. */
    static JsonNode json(String resource) {
        try (BufferedReader r = reader(resource)) {
            return JSON.readTree(r);
        } catch (IOException | RuntimeException e) {
            throw new LemException("LEM's data file " + DIR + resource + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** Splits one CSV line: commas separate, double quotes enclose, {@code ""} is a quote. */
    static List<String> splitCsv(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cell.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(cell.toString().trim());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        out.add(cell.toString().trim());
        return out;
    }

    private static String stripBom(String s) {
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }

    private static BufferedReader reader(String resource) throws IOException {
        InputStream in = DataFiles.class.getResourceAsStream(DIR + resource);
        if (in == null) {
            throw new IOException("not on the classpath (a broken lem-core jar?)");
        }
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }
}
