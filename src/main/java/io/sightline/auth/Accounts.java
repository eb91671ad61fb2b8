package io.sightline.auth;

import com.fasterxml.jackson.core.type.TypeReference;
import io.sightline.wire.InvalidInputException;
import io.sightline.wire.Json;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The operator accounts, in one JSON file ({@code sightline.accounts.file}): name, role and an Argon2id hash of the
 * password, never the password. Read again whenever the file changed, so consoles that share the file (a cluster's
 * shared volume) see each other's changes; changed under a lock file and replaced atomically, so a crash leaves
 * the old or the new file, never a torn one.
 */
public class Accounts {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Accounts.class);

    /** An account as stored. */
    public record Account(String name, AccountRole role, String hash, long createdAt, String createdBy) {

        /**
         * Changes with the account's password and with the account itself (deleted and made again under the same
         * name): a session carries it, so such a change ends the sessions made before.
         */
        public String stamp() {
            try {
                byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(
                        (name + "|" + createdAt + "|" + hash).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 12);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        /** What the API shows: everything but the hash. */
        public Map<String, Object> summary() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("role", role);
            m.put("createdAt", createdAt);
            m.put("createdBy", createdBy);
            return m;
        }
    }

    /** Body of {@code POST /api/v1/accounts} and {@code PUT /api/v1/accounts/{name}} (absent fields stay as they are). */
    public record Change(String name, String role, String password) {
    }

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");
    private static final int MIN_PASSWORD = 10;
    private static final int MAX_PASSWORD = 256;
    /** Verified against for an unknown name, so a login takes as long whether or not the account exists. */
    private static final String DUMMY = PasswordHash.hash("no account has this password");

    private final Path file;
    private Map<String, Account> accounts = new TreeMap<>();
    private FileTime loaded;

    public Accounts(Path file) {
        this.file = file;
        reloadIfChanged();
    }

    /** The account's current state (role changes and deletions count at once), or empty. */
    public synchronized Optional<Account> find(String name) {
        reloadIfChanged();
        return Optional.ofNullable(accounts.get(name));
    }

    /** The operator these credentials name, or empty; as slow for an unknown name as for a wrong password. */
    public Optional<Operator> verify(String name, String password) {
        Optional<Account> account = name == null ? Optional.empty() : find(name);
        boolean ok = PasswordHash.verify(account.map(Account::hash).orElse(DUMMY), password == null ? "" : password);
        return ok ? account.map(a -> new Operator(a.name(), a.role())) : Optional.empty();
    }

    public synchronized List<Map<String, Object>> list() {
        reloadIfChanged();
        return accounts.values().stream().map(Account::summary).toList();
    }

    public Map<String, Object> create(@Body Change change, @ExchangeProperty(Operator.PROPERTY) Operator by) {
        if (change == null || change.name() == null || !NAME.matcher(change.name()).matches()) {
            throw new InvalidInputException(400, "invalid-account", "name: 1-32 of a-z, 0-9, '_' and '-', starting with a letter or digit");
        }
        AccountRole role = AccountRole.parse(change.role());
        String hash = PasswordHash.hash(checkedPassword(change.password()));
        return modify(all -> {
            if (all.containsKey(change.name())) {
                throw new InvalidInputException(409, "account-exists", "there is an account " + change.name());
            }
            Account a = new Account(change.name(), role, hash, System.currentTimeMillis(), by.name());
            all.put(a.name(), a);
            return a.summary();
        });
    }

    /** A new role and / or password for an account. */
    public Map<String, Object> update(@Header("name") String name, @Body Change change) {
        if (change == null || change.role() == null && change.password() == null) {
            throw new InvalidInputException(400, "invalid-account", "give a role, a password or both");
        }
        AccountRole role = change.role() == null ? null : AccountRole.parse(change.role());
        String hash = change.password() == null ? null : PasswordHash.hash(checkedPassword(change.password()));
        return modify(all -> {
            Account a = known(all, name);
            Account changed = new Account(a.name(), role == null ? a.role() : role, hash == null ? a.hash() : hash,
                    a.createdAt(), a.createdBy());
            all.put(name, changed);
            return changed.summary();
        });
    }

    public Map<String, Object> delete(@Header("name") String name) {
        return modify(all -> {
            Account a = known(all, name);
            all.remove(name);
            return a.summary();
        });
    }

    private static Account known(Map<String, Account> all, String name) {
        Account a = name == null ? null : all.get(name);
        if (a == null) {
            throw new InvalidInputException(404, "unknown-account", "no account " + name);
        }
        return a;
    }

    private static String checkedPassword(String password) {
        if (password == null || password.length() < MIN_PASSWORD || password.length() > MAX_PASSWORD) {
            throw new InvalidInputException(400, "invalid-password", "a password has " + MIN_PASSWORD + " to "
                    + MAX_PASSWORD + " characters");
        }
        return password;
    }

    private interface Modification {
        Map<String, Object> apply(Map<String, Account> all);
    }

    /** Read, change and write the file under its lock: consoles sharing it do not overwrite each other's changes. */
    private synchronized Map<String, Object> modify(Modification modification) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (FileChannel lockFile = FileChannel.open(file.resolveSibling(file.getFileName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock lock = lockFile.lock()) {
                loaded = null;
                reloadIfChanged();
                Map<String, Account> all = new TreeMap<>(accounts);
                Map<String, Object> result = modification.apply(all);
                Path part = file.resolveSibling(file.getFileName() + ".part");
                try (FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    out.write(java.nio.ByteBuffer.wrap(Json.MAPPER.writerWithDefaultPrettyPrinter()
                            .writeValueAsBytes(new ArrayList<>(all.values()))));
                    out.force(true);
                }
                Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                accounts = all;
                loaded = Files.getLastModifiedTime(file);
                return result;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private synchronized void reloadIfChanged() {
        try {
            if (!Files.exists(file)) {
                accounts = new TreeMap<>();
                loaded = null;
                return;
            }
            FileTime modified = Files.getLastModifiedTime(file);
            if (modified.equals(loaded)) {
                return;
            }
            Map<String, Account> read = new TreeMap<>();
            for (Account a : Json.MAPPER.readValue(file.toFile(), new TypeReference<List<Account>>() { })) {
                if (a.name() == null || !NAME.matcher(a.name()).matches() || a.role() == null || a.hash() == null) {
                    LOG.warn("Skipping an account of {} that is not valid (name {}, edited by hand?)", file, a.name());
                    continue;
                }
                read.put(a.name(), a);
            }
            accounts = read;
            loaded = modified;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the accounts file " + file, e);
        }
    }
}
