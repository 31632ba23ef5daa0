namespace Codex.Auth.TestSupport;

/// <summary>
/// A test that needs a real Secret Service (<see cref="SecretServiceDaemon"/>). Without the daemons it is skipped
/// with the reason — except under CI=true, where it runs and fails loudly.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SecretServiceFactAttribute : FactAttribute
{
    public SecretServiceFactAttribute()
    {
        if (SecretServiceDaemon.MissingReason is { } reason && !SecretServiceDaemon.Required)
        {
            Skip = "No Secret Service for the keyring tests: " + reason;
        }
    }
}
