using System.Net;
using Codex.Auth.Testing.Internal;

namespace Codex.Auth.Testing;

/// <summary>
/// Scripts the next answers of the backends (<c>/backend-api/**</c> and <c>/v1/**</c>), whatever credentials
/// the requests carry. Scripted answers are used in the order they were added.
/// </summary>
/// <example>
/// <code>
/// server.BackendFaults.Unauthorized();   // the next backend call gets 401 even with a valid token
/// </code>
/// </example>
public sealed class FakeBackendFaults
{
    private readonly FaultQueue _queue = new();

    internal FakeBackendFaults()
    {
    }

    /// <summary>Gets how many scripted answers are still waiting to be used.</summary>
    public int Pending => _queue.Pending;

    /// <summary>
    /// The next <paramref name="times"/> backend answers are HTTP 401
    /// <c>{"error":{"code":"token_invalid","message":"…"}}</c>, even for valid credentials.
    /// </summary>
    /// <param name="times">How many requests get this answer.</param>
    public void Unauthorized(int times = 1) =>
        Respond(HttpStatusCode.Unauthorized, FakeTokenEndpointFaults.ErrorObject("token_invalid", "Your authentication token is not valid."), null, times);

    /// <summary>
    /// The next <paramref name="times"/> backend answers are HTTP 503
    /// <c>{"error":{"code":"service_unavailable","message":"…"}}</c>.
    /// </summary>
    /// <param name="times">How many requests get this answer.</param>
    /// <param name="retryAfter">An optional <c>Retry-After</c> header (whole seconds).</param>
    public void ServiceUnavailable(int times = 1, TimeSpan? retryAfter = null) =>
        Respond(HttpStatusCode.ServiceUnavailable, FakeTokenEndpointFaults.ErrorObject("service_unavailable", "The service is temporarily unavailable."), retryAfter, times);

    /// <summary>The next <paramref name="times"/> backend answers are the given status and body.</summary>
    /// <param name="status">The status code.</param>
    /// <param name="body">The body, sent as <c>application/json</c>.</param>
    /// <param name="retryAfter">An optional <c>Retry-After</c> header (whole seconds).</param>
    /// <param name="times">How many requests get this answer.</param>
    public void Respond(HttpStatusCode status, string body, TimeSpan? retryAfter = null, int times = 1)
    {
        ArgumentNullException.ThrowIfNull(body);
        _queue.Enqueue(new ScriptedResponse((int)status, body, retryAfter), times);
    }

    /// <summary>Removes every scripted answer not yet used.</summary>
    public void Clear() => _queue.Clear();

    internal ScriptedResponse? TryDequeue() => _queue.TryDequeue();
}
