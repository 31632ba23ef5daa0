using System.Net;
using System.Text.Json.Nodes;
using Codex.Auth.Testing.Internal;

namespace Codex.Auth.Testing;

/// <summary>
/// Scripts the next answers of <c>POST /oauth/token</c> (every grant type). Scripted answers are used in the
/// order they were added, each for the given number of requests; a scripted answer replaces the normal
/// processing entirely, so a failed refresh does not rotate or spend the refresh token.
/// </summary>
/// <example>
/// <code>
/// server.TokenFaults.ServerError(times: 2);   // two 500s, then normal answers
/// server.TokenFaults.RefreshTokenExpired();   // then one 400 refresh_token_expired
/// </code>
/// </example>
public sealed class FakeTokenEndpointFaults
{
    private readonly FaultQueue _queue = new();

    internal FakeTokenEndpointFaults()
    {
    }

    /// <summary>Gets how many scripted answers are still waiting to be used.</summary>
    public int Pending => _queue.Pending;

    /// <summary>
    /// The next <paramref name="times"/> answers are a server error:
    /// <c>{"error":{"code":"server_error","message":"…"}}</c> with the given status (default 500).
    /// </summary>
    /// <param name="times">How many requests get this answer.</param>
    /// <param name="status">A 5xx status code.</param>
    /// <param name="retryAfter">An optional <c>Retry-After</c> header (whole seconds).</param>
    public void ServerError(int times = 1, HttpStatusCode status = HttpStatusCode.InternalServerError, TimeSpan? retryAfter = null) =>
        Respond(status, ErrorObject("server_error", "The server had an error while processing your request."), retryAfter, times);

    /// <summary>
    /// The next <paramref name="times"/> answers are HTTP 401
    /// <c>{"error":{"code":"unauthorized","message":"…"}}</c> (a permanent failure by status alone).
    /// </summary>
    /// <param name="times">How many requests get this answer.</param>
    public void Unauthorized(int times = 1) =>
        Respond(HttpStatusCode.Unauthorized, ErrorObject("unauthorized", "Unauthorized."), null, times);

    /// <summary>
    /// The next <paramref name="times"/> answers are the OAuth-style HTTP 400
    /// <c>{"error":"invalid_grant","error_description":"…"}</c> (error as a string).
    /// </summary>
    /// <param name="times">How many requests get this answer.</param>
    public void InvalidGrant(int times = 1) =>
        Respond(
            HttpStatusCode.BadRequest,
            new JsonObject { ["error"] = "invalid_grant", ["error_description"] = "The refresh token is invalid." }.ToJsonString(),
            null,
            times);

    /// <summary>
    /// The next <paramref name="times"/> answers are HTTP 400
    /// <c>{"error":{"code":"refresh_token_expired","message":"…"}}</c>.
    /// </summary>
    /// <param name="times">How many requests get this answer.</param>
    public void RefreshTokenExpired(int times = 1) =>
        Respond(
            HttpStatusCode.BadRequest,
            ErrorObject("refresh_token_expired", "Your refresh token has expired. Please try signing in again."),
            null,
            times);

    /// <summary>The next <paramref name="times"/> answers are the given status and body.</summary>
    /// <param name="status">The status code.</param>
    /// <param name="body">The body, sent as <c>application/json</c> (it need not be valid JSON).</param>
    /// <param name="retryAfter">An optional <c>Retry-After</c> header (whole seconds).</param>
    /// <param name="times">How many requests get this answer.</param>
    public void Respond(HttpStatusCode status, string body, TimeSpan? retryAfter = null, int times = 1)
    {
        ArgumentNullException.ThrowIfNull(body);
        _queue.Enqueue(new ScriptedResponse((int)status, body, retryAfter), times);
    }

    /// <summary>
    /// Holds the next token request inside the server until <see cref="FakeGate.Release"/> is called;
    /// it is then processed normally. Gates are released when the server stops.
    /// </summary>
    /// <returns>The gate that holds the request.</returns>
    public FakeGate HoldNextResponse()
    {
        var gate = new FakeGate();
        _queue.Enqueue(new ScriptedResponse(gate), 1);
        return gate;
    }

    /// <summary>Removes every scripted answer not yet used (held requests stay held).</summary>
    public void Clear() => _queue.Clear();

    internal ScriptedResponse? TryDequeue() => _queue.TryDequeue();

    internal void ReleaseAllGates() => _queue.ReleaseAllGates();

    internal static string ErrorObject(string code, string message) =>
        new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } }.ToJsonString();
}
