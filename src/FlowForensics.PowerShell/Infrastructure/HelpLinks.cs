namespace FlowForensics.PowerShell.Infrastructure;

/// <summary>
/// Where <c>Get-Help -Online</c> goes: each cmdlet's help page, docs/cmdlets/&lt;Name&gt;.md in the repository, under
/// the manifest's ProjectUri. The cmdlets' HelpUri and the MAML's "online version" link (from each page's front
/// matter) are built from these; CmdletHelpTests keeps the manifest, the attributes, the pages and the MAML in step.
/// ProjectUri is a placeholder until the repository has a public address: change it here and in the manifest.
/// </summary>
internal static class HelpLinks
{
    /// <summary>The project's address, as the manifest's PrivateData.PSData.ProjectUri.</summary>
    public const string ProjectUri = "https://example.invalid/flowforensics";

    /// <summary>The folder of the cmdlet pages; a cmdlet's page is this + <c>&lt;Verb-Noun&gt;.md</c>.</summary>
    public const string CmdletPages = ProjectUri + "/blob/main/docs/cmdlets/";
}
