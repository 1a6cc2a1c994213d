package dev.history.bench;

import com.fasterxml.jackson.databind.SerializationFeature;
import dev.history.common.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The one printed table and the JSON result file. */
final class Report {
    private Report() {}

    static Object round(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) return null;
        if (Math.abs(value) >= 100) return Math.round(value);
        return Math.round(value * 100) / 100.0;
    }

    static String fmt(Object value) {
        if (value == null) return "-";
        if (value instanceof Number n) {
            double d = n.doubleValue();
            if (Math.abs(d) >= 1000) return String.format(Locale.ROOT, "%,.0f", d);
            if (d == Math.rint(d)) return String.format(Locale.ROOT, "%.0f", d);
            return String.format(Locale.ROOT, "%.2f", d);
        }
        return value.toString();
    }

    /** rows: phase, metric, throughput, unit, p50, p99, p99.9, ratio, ratio to, target, gen cores, sys cores, other cores */
    static String table(List<List<Object>> rows) {
        String[] head = {"phase", "what", "throughput", "unit", "p50 ms", "p99 ms", "p99.9 ms", "ratio", "ratio to", "target", "gen cores", "sys cores", "other cores"};
        int[] width = new int[head.length];
        for (int i = 0; i < head.length; i++) width[i] = head[i].length();
        for (List<Object> row : rows) {
            while (row.size() < head.length) row.add(null);
            for (int i = 0; i < head.length; i++) width[i] = Math.max(width[i], fmt(row.get(i)).length());
        }
        StringBuilder out = new StringBuilder();
        appendRow(out, width, List.of((Object[]) head));
        for (int i = 0; i < head.length; i++) out.append("-".repeat(width[i])).append(i + 1 < head.length ? "-+-" : "\n");
        for (List<Object> row : rows) appendRow(out, width, row);
        return out.toString();
    }

    private static void appendRow(StringBuilder out, int[] width, List<?> row) {
        for (int i = 0; i < width.length; i++) {
            String cell = row.get(i) instanceof String s ? s : fmt(row.get(i));
            boolean left = i < 2 || i == 3 || i == 8 || i == 9;
            out.append(left ? String.format("%-" + width[i] + "s", cell) : String.format("%" + width[i] + "s", cell));
            out.append(i + 1 < width.length ? " | " : "\n");
        }
    }

    static void write(Path file, Map<String, Object> result) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(result) + "\n");
    }
}
