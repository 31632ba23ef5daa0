using System.Net;
using Polly.Timeout;

namespace Codex.Auth.Backchannel;

/// <summary>
/// The one transient/permanent classification of back-channel outcomes, and the one mapping of failures to
/// <see cref="CodexAuthException"/>. Messages name the call, the endpoint (no user information or query) and the
/// status or error kind — never a response body, which could echo a secret.
/// </summary>
internal static class BackchannelErrors
{
    /// <summary>HTTP 408, 429 and 5xx may succeed when tried again; every other status will not.</summary>
    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>Connection errors and timeouts are transient; the caller's own cancellation is not a failure at all.</summary>
    public static bool IsTransient(Exception exception, CancellationToken callerToken) => exception switch
    {
        HttpRequestException => true,
        TimeoutRejectedException => true,
        OperationCanceledException => !callerToken.IsCancellationRequested, // HttpClient.Timeout
        _ => false,
    };

    /// <summary>Whether the response is a redirect (which the back channel never follows).</summary>
    public static bool IsRedirect(HttpStatusCode status) => (int)status is >= 300 and < 400 && status != HttpStatusCode.NotModified;

    /// <summary>The endpoint could not be reached (after every attempt).</summary>
    public static CodexAuthException Unreachable(BackchannelCall call, Exception exception, int attempts)
    {
        string what = exception switch
        {
            HttpRequestException http => $"the endpoint could not be reached ({http.HttpRequestError})",
            _ => "the endpoint did not answer in time",
        };
        return Failure(call, what, attempts, exception);
    }

    /// <summary>The answer's body could not be read.</summary>
    public static CodexAuthException Unreadable(BackchannelCall call, Exception exception) =>
        Failure(call, $"its answer could not be read ({exception.GetType().Name})", 1, exception);

    /// <summary>The endpoint answered with a status the call cannot use (after every attempt, when it was transient).</summary>
    public static CodexAuthException Status(BackchannelCall call, HttpStatusCode status, string? oauthErrorCode, int attempts)
    {
        string what = IsRedirect(status)
            ? $"the endpoint answered HTTP {(int)status} with a redirect, which is not followed"
            : $"the endpoint answered HTTP {(int)status}{(oauthErrorCode is null ? string.Empty : " (" + oauthErrorCode + ")")}";
        return Failure(call, what, IsTransient(status) ? attempts : 1, null);
    }

    /// <summary>The answer was received but cannot be used (not JSON, a field missing, …).</summary>
    public static CodexAuthException BadAnswer(BackchannelCall call, string what) => Failure(call, what, 1, null);

    private static CodexAuthException Failure(BackchannelCall call, string what, int attempts, Exception? inner)
    {
        string after = attempts > 1 ? $" after {attempts} attempts" : string.Empty;
        return new CodexAuthException(
            call.FailureReason,
            $"{call.Purpose} at {BackchannelEndpoints.Describe(call.Url)} failed: {what}{after}.{(call.Consequence is null ? string.Empty : " " + call.Consequence)}",
            call.Remediation,
            inner);
    }
}
