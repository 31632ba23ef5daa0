namespace Codex.Auth.Testing.Internal;

/// <summary>Who a backend request was authenticated as, and with which kind of credential.</summary>
internal sealed record BackendCaller(FakeAccount Account, string Kind)
{
    public string AccountId => Account.AccountId;

    public string Email => Account.Email;

    public string Plan => Account.Plan;

    public bool IsFedRamp => Account.IsFedRamp;
}
