using System.Net;
using System.Text.Json.Nodes;

namespace Codex.Auth.Routing;

/// <summary>Reads the <c>wham/accounts/check</c> answer (PROTOCOL §9). Messages never quote the body or a server-chosen value.</summary>
internal static class WorkspaceRoutingParser
{
    public const string Remediation =
        "Check that chatgpt_base_url points at the ChatGPT backend (or at a proxy that forwards it) and that you are signed in to the workspace you mean; `codex-auth status --verify` shows what the server answers.";

    public static WorkspaceRouting Parse(string json, string accountId, Uri chatGptBaseUrl, DateTimeOffset discoveredAt)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentException.ThrowIfNullOrWhiteSpace(accountId);
        ArgumentNullException.ThrowIfNull(chatGptBaseUrl);

        if (json.Length > Internal.JsonTree.MaxCredentialBytes)
        {
            throw Failure($"the answer is larger than {Internal.JsonTree.MaxCredentialBytes} bytes");
        }

        // Duplicate keys, lone surrogate escapes and invalid UTF-8 are refused here, not later by a lazy JsonNode.
        JsonNode? root = Internal.JsonTree.TryParse(json, default, out string? problem);
        if (problem is not null)
        {
            throw Failure(problem.StartsWith("it is not valid JSON", StringComparison.Ordinal) ? "the answer is not JSON" : "the answer is not usable JSON: " + problem);
        }

        if (root is not JsonObject document)
        {
            throw Failure("the answer is not a JSON object");
        }

        List<JsonObject> matches = document["accounts"] switch
        {
            JsonArray list => FromList(list, accountId),
            JsonObject map => FromMap(map, accountId),
            _ => throw Failure("the answer has no \"accounts\" list or map"),
        };

        if (matches.Count == 0)
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.RoutingDiscoveryFailed,
                $"Workspace routing discovery: selected workspace missing from routing discovery (account {accountId} is not in the answer).",
                "Sign in to a workspace this user belongs to (`codex login`), or check that ChatGPT-Account-ID names the workspace you mean.");
        }

        if (matches.Count > 1)
        {
            throw Failure($"account {accountId} is listed {matches.Count} times");
        }

        JsonObject account = matches[0];
        string originText = Text(account, "workspace_backend_origin") ?? WorkspaceRouting.NoConstraint;
        string overrideText = Text(account, "account_routing_override") ?? WorkspaceRouting.NoConstraint;
        string routingOverride = overrideText switch
        {
            WorkspaceRouting.NoConstraint => WorkspaceRouting.NoConstraint,
            _ when string.Equals(overrideText, WorkspaceRouting.UsOverride, StringComparison.OrdinalIgnoreCase) => WorkspaceRouting.UsOverride,
            _ when string.Equals(overrideText, WorkspaceRouting.UsControlledOverride, StringComparison.OrdinalIgnoreCase) => WorkspaceRouting.UsControlledOverride,
            _ => throw Failure("account_routing_override is not NO_CONSTRAINT, us or us_cr"),
        };

        if (string.Equals(originText, WorkspaceRouting.NoConstraint, StringComparison.Ordinal))
        {
            return new WorkspaceRouting(accountId, OriginOf(chatGptBaseUrl), isOriginDiscovered: false, routingOverride, discoveredAt);
        }

        return new WorkspaceRouting(accountId, CheckOrigin(originText), isOriginDiscovered: true, routingOverride, discoveredAt);
    }

    /// <summary>The origin of <paramref name="url"/> with a trailing slash, for example <c>https://chatgpt.com/</c>.</summary>
    public static Uri OriginOf(Uri url) => new(url.GetLeftPart(UriPartial.Authority) + "/", UriKind.Absolute);

    /// <summary>HTTPS (plain HTTP only for loopback), no userinfo, no path, query or fragment.</summary>
    private static Uri CheckOrigin(string text)
    {
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out Uri? origin) || origin.IsFile || string.IsNullOrEmpty(origin.Host))
        {
            throw Failure("workspace_backend_origin is not NO_CONSTRAINT or an absolute URL");
        }

        if (!string.IsNullOrEmpty(origin.UserInfo))
        {
            throw Failure($"workspace_backend_origin for {origin.Scheme}://{origin.Authority} carries credentials in the URL");
        }

        bool https = string.Equals(origin.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase);
        bool loopbackHttp = string.Equals(origin.Scheme, Uri.UriSchemeHttp, StringComparison.OrdinalIgnoreCase) && IsLoopback(origin);
        if (!https && !loopbackHttp)
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.RoutingDiscoveryFailed,
                $"Workspace routing discovery named {origin.Scheme}://{origin.Authority} as the workspace's backend origin; credentials are only sent over HTTPS (loopback excepted), so nothing was sent.",
                Remediation);
        }

        if (origin.AbsolutePath.Length > 1 || !string.IsNullOrEmpty(origin.Query) || !string.IsNullOrEmpty(origin.Fragment))
        {
            throw Failure($"workspace_backend_origin {origin.Scheme}://{origin.Authority} is not a bare origin (it has a path, query or fragment)");
        }

        return OriginOf(origin);
    }

    private static bool IsLoopback(Uri uri) =>
        string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out IPAddress? address) && IPAddress.IsLoopback(address));

    private static List<JsonObject> FromList(JsonArray list, string accountId)
    {
        var matches = new List<JsonObject>();
        foreach (JsonNode? item in list)
        {
            if (item is JsonObject account && string.Equals(Text(account, "id"), accountId, StringComparison.Ordinal))
            {
                matches.Add(account);
            }
        }

        return matches;
    }

    private static List<JsonObject> FromMap(JsonObject map, string accountId)
    {
        var matches = new List<JsonObject>();
        foreach (KeyValuePair<string, JsonNode?> entry in map)
        {
            JsonObject? account = entry.Value is JsonObject wrapper ? wrapper["account"] as JsonObject ?? wrapper : null;
            if (account is null)
            {
                continue;
            }

            string? id = Text(account, "id") ?? entry.Key;
            if (string.Equals(id, accountId, StringComparison.Ordinal))
            {
                matches.Add(account);
            }
        }

        return matches;
    }

    private static string? Text(JsonObject obj, string name) => obj[name] switch
    {
        null => null,
        JsonValue value when value.TryGetValue(out string? s) => s,
        _ => throw Failure($"\"{name}\" is not a string"),
    };

    private static CodexAuthException Failure(string what) => new(
        CodexAuthFailureReason.RoutingDiscoveryFailed,
        $"Workspace routing discovery gave an answer that cannot be used: {what}. Nothing was sent to the backend.",
        Remediation);
}
