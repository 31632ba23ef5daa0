namespace Codex.Auth.Testing.Internal;

/// <summary>One scripted answer: either a canned response or a gate to wait on before answering normally.</summary>
internal sealed class ScriptedResponse
{
    public ScriptedResponse(int statusCode, string body, TimeSpan? retryAfter)
    {
        StatusCode = statusCode;
        Body = body;
        RetryAfter = retryAfter;
    }

    public ScriptedResponse(FakeGate gate)
    {
        Gate = gate;
        Body = string.Empty;
    }

    public int StatusCode { get; }

    public string Body { get; }

    public TimeSpan? RetryAfter { get; }

    public FakeGate? Gate { get; }
}
