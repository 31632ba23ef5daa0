namespace Codex.Auth.SignIn;

/// <summary>A device code as issued by <c>/api/accounts/deviceauth/usercode</c>.</summary>
internal sealed record DeviceCode(string DeviceAuthId, string UserCode, TimeSpan Interval)
{
    public override string ToString() => $"device code interval={Interval}";
}
