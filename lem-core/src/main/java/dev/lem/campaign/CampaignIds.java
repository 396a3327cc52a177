package dev.lem.campaign;

import dev.lem.LemException;
import java.security.SecureRandom;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/** Campaign ids: {@code c<UTC time>-<6 random letters/digits>}, e.g. {@code c20261205T140000Z-k3x9q2}. */
public final class CampaignIds {
    private static final Pattern ID = Pattern.compile("c\\d{8}T\\d{6}Z-[a-z0-9]{6}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

    private CampaignIds() {
    }

    /**
     * A new id.
     *
     * @return the id: {@code c}, the current UTC time and a random suffix
     */
    public static String generate() {
        StringBuilder s = new StringBuilder("c").append(TIME.format(ZonedDateTime.now(ZoneOffset.UTC))).append('-');
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        for (int i = 0; i < 6; i++) {
            s.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    /**
     * Whether the text is a campaign id.
     *
     * @param id the text
     * @return whether it is a campaign id
     */
    public static boolean valid(String id) {
        return ID.matcher(id).matches();
    }

    /**
     * The id, checked (it becomes a folder name).
     *
     * @param id the id
     * @return the id, unchanged
     * @throws LemException naming the id and the expected form
     */
    public static String require(String id) {
        if (!valid(id)) {
            throw new LemException("\"" + id + "\" is not a campaign id (expected c<date>T<time>Z-<6 characters>, e.g. "
                    + "c20261205T140000Z-k3x9q2; `lem campaign list` shows them)");
        }
        return id;
    }
}
