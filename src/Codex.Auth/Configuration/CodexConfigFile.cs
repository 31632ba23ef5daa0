using System.Text.RegularExpressions;
using Codex.Auth.Routing;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Codex.Auth.Configuration;

/// <summary>
/// What <c>$CODEX_HOME/config.toml</c> says about credentials (PROTOCOL §1): <c>cli_auth_credentials_store</c>,
/// <c>chatgpt_base_url</c>, <c>forced_login_method</c>, <c>forced_chatgpt_workspace_id</c> and
/// <c>enforce_residency</c>. Every other key is ignored. The file is only ever read, never written.
/// </summary>
/// <remarks>A property is <see langword="null"/> when the file does not set it; <see cref="CodexConfiguration"/> applies the defaults.</remarks>
public sealed partial class CodexConfigFile
{
    /// <summary>The file name: <c>config.toml</c>.</summary>
    public const string FileName = "config.toml";

    /// <summary>The key that chooses the credential store.</summary>
    public const string CredentialsStoreKey = "cli_auth_credentials_store";

    /// <summary>The key that moves the ChatGPT backend.</summary>
    public const string ChatGptBaseUrlKey = "chatgpt_base_url";

    /// <summary>The key that allows only one sign-in method.</summary>
    public const string ForcedLoginMethodKey = "forced_login_method";

    /// <summary>The key that allows only one ChatGPT workspace.</summary>
    public const string ForcedChatGptWorkspaceIdKey = "forced_chatgpt_workspace_id";

    /// <summary>The key that requires a data-residency region.</summary>
    public const string EnforceResidencyKey = "enforce_residency";

    /// <summary>Larger files are refused rather than parsed (a config.toml is a few kilobytes).</summary>
    internal const int MaxFileBytes = 1024 * 1024;

    private CodexConfigFile(string path, bool exists)
    {
        Path = path;
        Exists = exists;
    }

    /// <summary>Gets the full path of the file (which need not exist).</summary>
    public string Path { get; }

    /// <summary>Gets a value indicating whether the file exists.</summary>
    public bool Exists { get; }

    /// <summary>Gets <c>cli_auth_credentials_store</c>, or <see langword="null"/> when not set.</summary>
    public CodexCredentialStoreMode? CredentialsStore { get; private set; }

    /// <summary>Gets <c>chatgpt_base_url</c> (always ending in <c>/</c>), or <see langword="null"/> when not set.</summary>
    public Uri? ChatGptBaseUrl { get; private set; }

    /// <summary>Gets <c>forced_login_method</c>, or <see langword="null"/> when not set.</summary>
    public CodexLoginMethod? ForcedLoginMethod { get; private set; }

    /// <summary>Gets <c>forced_chatgpt_workspace_id</c>, or <see langword="null"/> when not set.</summary>
    public string? ForcedChatGptWorkspaceId { get; private set; }

    /// <summary>Gets <c>enforce_residency</c> (<c>us</c>), or <see langword="null"/> when not set.</summary>
    public CodexResidency? EnforceResidency { get; private set; }

    /// <summary>Reads <c>config.toml</c> in <paramref name="codexHome"/>. A missing file (or directory) gives an empty result.</summary>
    /// <param name="codexHome">The Codex home directory.</param>
    /// <returns>What the file says.</returns>
    /// <exception cref="CodexAuthException"><see cref="CodexAuthFailureReason.MalformedConfiguration"/>: the file cannot be read or parsed.</exception>
    public static CodexConfigFile Load(string codexHome)
    {
        ArgumentException.ThrowIfNullOrEmpty(codexHome);
        string path = System.IO.Path.Combine(System.IO.Path.GetFullPath(codexHome), FileName);
        string text;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return new CodexConfigFile(path, exists: false);
            }

            if (info.Length > MaxFileBytes)
            {
                throw Malformed(path, line: null, $"it is larger than {MaxFileBytes / 1024} KiB");
            }

            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return new CodexConfigFile(path, exists: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.MalformedConfiguration,
                $"The Codex configuration file '{path}' could not be read: {ex.GetType().Name}.",
                "Check the file's permissions (it should be readable by you).",
                ex);
        }

        return Parse(text, path);
    }

    /// <summary>Parses the text of a <c>config.toml</c>.</summary>
    /// <param name="toml">The file's text.</param>
    /// <param name="path">The file's path, for messages.</param>
    /// <returns>What the text says.</returns>
    /// <exception cref="CodexAuthException"><see cref="CodexAuthFailureReason.MalformedConfiguration"/>: the text is not valid TOML, or a known key has a value Codex would refuse.</exception>
    public static CodexConfigFile Parse(string toml, string path)
    {
        ArgumentNullException.ThrowIfNull(toml);
        ArgumentException.ThrowIfNullOrEmpty(path);
        DocumentSyntax document = SyntaxParser.Parse(toml, path, false);
        if (document.HasErrors)
        {
            foreach (DiagnosticMessage diagnostic in document.Diagnostics)
            {
                if (diagnostic.Kind == DiagnosticMessageKind.Error)
                {
                    throw Malformed(path, diagnostic.Span.Start.Line + 1, "it is not valid TOML (" + Redact(diagnostic.Message) + ")");
                }
            }
        }

        var result = new CodexConfigFile(path, exists: true);
        var seen = new HashSet<string>(StringComparer.Ordinal);

        // Only top-level keys matter; keys inside tables ([profiles.x], [model_providers.y], …) are someone else's.
        foreach (KeyValueSyntax entry in document.KeyValues)
        {
            if (entry.Key is null || entry.Key.DotKeys.ChildrenCount != 0 || KeyName(entry.Key.Key) is not { } name)
            {
                continue;
            }

            int line = entry.Span.Start.Line + 1;
            if (!seen.Add(name))
            {
                throw Malformed(path, line, $"the key '{name}' is defined twice");
            }

            switch (name)
            {
                case CredentialsStoreKey:
                    result.CredentialsStore = ParseStoreMode(RequireString(entry, name, path, line))
                        ?? throw Malformed(path, line, $"'{name}' must be one of \"file\", \"keyring\", \"auto\", \"ephemeral\"");
                    break;
                case ChatGptBaseUrlKey:
                    result.ChatGptBaseUrl = ParseBaseUrl(RequireString(entry, name, path, line))
                        ?? throw Malformed(path, line, $"'{name}' must be an absolute http or https URL");
                    break;
                case ForcedLoginMethodKey:
                    result.ForcedLoginMethod = ParseLoginMethod(RequireString(entry, name, path, line))
                        ?? throw Malformed(path, line, $"'{name}' must be \"chatgpt\" or \"api\"");
                    break;
                case ForcedChatGptWorkspaceIdKey:
                    result.ForcedChatGptWorkspaceId = NonBlank(RequireString(entry, name, path, line))
                        ?? throw Malformed(path, line, $"'{name}' must be a non-empty workspace id");
                    break;
                case EnforceResidencyKey:
                    result.EnforceResidency = ParseResidency(RequireString(entry, name, path, line))
                        ?? throw Malformed(path, line, $"'{name}' must be \"us\"");
                    break;
                default:
                    break; // unknown keys are Codex's business, not ours
            }
        }

        return result;
    }

    /// <inheritdoc />
    public override string ToString() => Exists ? $"CodexConfigFile {Path}" : $"CodexConfigFile {Path} (absent)";

    /// <summary>Parses a store mode as Codex spells it (lower case); <see langword="null"/> when unknown.</summary>
    internal static CodexCredentialStoreMode? ParseStoreMode(string value) => value switch
    {
        "file" => CodexCredentialStoreMode.File,
        "keyring" => CodexCredentialStoreMode.Keyring,
        "auto" => CodexCredentialStoreMode.Auto,
        "ephemeral" => CodexCredentialStoreMode.Ephemeral,
        _ => null,
    };

    /// <summary>Parses a login method as Codex spells it; <see langword="null"/> when unknown.</summary>
    internal static CodexLoginMethod? ParseLoginMethod(string value) => value switch
    {
        "chatgpt" => CodexLoginMethod.ChatGpt,
        "api" => CodexLoginMethod.Api,
        _ => null,
    };

    /// <summary>Parses a residency requirement as Codex spells it; <see langword="null"/> when unknown.</summary>
    internal static CodexResidency? ParseResidency(string value) => value switch
    {
        "us" => CodexResidency.Us,
        _ => null,
    };

    /// <summary>An absolute http(s) URL with a trailing slash, so that relative paths resolve beneath it; <see langword="null"/> when invalid.</summary>
    internal static Uri? ParseBaseUrl(string value)
    {
        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out Uri? uri)
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return null;
        }

        return uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
    }

    private static string? NonBlank(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string? KeyName(BareKeyOrStringValueSyntax? key) => key switch
    {
        BareKeySyntax bare => bare.Key?.Text,
        StringValueSyntax quoted => quoted.Value,
        _ => null,
    };

    private static string RequireString(KeyValueSyntax entry, string name, string path, int line) =>
        entry.Value is StringValueSyntax { Value: { } value }
            ? value
            : throw Malformed(path, line, $"'{name}' must be a string");

    private static CodexAuthException Malformed(string path, int? line, string what) => new(
        CodexAuthFailureReason.MalformedConfiguration,
        line is { } n
            ? $"The Codex configuration file '{path}' cannot be used: line {n}: {what}."
            : $"The Codex configuration file '{path}' cannot be used: {what}.",
        "Fix that line (the Codex CLI refuses the same file), or move the file away to use the defaults. Codex.Auth never rewrites config.toml.");

    /// <summary>Parser messages quote tokens; a long quoted token could be a secret from another key, so it is elided.</summary>
    private static string Redact(string message) => QuotedToken().Replace(message, m => m.Length > 10 ? "`…`" : m.Value);

    [GeneratedRegex("`[^`]*`")]
    private static partial Regex QuotedToken();
}
