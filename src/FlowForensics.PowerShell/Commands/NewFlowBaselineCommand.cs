using System.Management.Automation;
using FlowForensics.Analysis.Baselines;
using FlowForensics.Flows;
using FlowForensics.PowerShell.Infrastructure;
using FlowForensics.Storage;

namespace FlowForensics.PowerShell.Commands;

/// <summary>
/// Learns what ordinary traffic looks like: per-host and per-network volumes per interval (median, MAD, p95, max),
/// usual peers and services, and active hours, from flows of the pipeline or nfcapd files; saves the baseline as JSON
/// with <c>-OutputPath</c> and writes a summary that carries it, for Find-FlowAnomaly -Baseline.
/// </summary>
[Cmdlet(VerbsCommon.New, "FlowBaseline", DefaultParameterSetName = InputObjectSet, SupportsShouldProcess = true, HelpUri = HelpLinks.CmdletPages + "New-FlowBaseline.md")]
[OutputType(typeof(FlowBaselineSummary))]
public sealed class NewFlowBaselineCommand : ExcludingAnalysisCmdlet
{
    private FlowBaselineBuilder? _builder;
    private string? _outputPath;

    /// <summary>The JSON file to save the baseline to; without it the baseline is only written to the pipeline.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutputPath { get; set; }

    /// <summary>Overwrite an existing -OutputPath file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>The interval volumes are counted in (one hour by default; whole seconds, one second to one day).</summary>
    [Parameter]
    [FlowDurationTransformation]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The networks whose hosts are profiled (addresses or CIDR); RFC 1918 and fc00::/7 by default.</summary>
    [Parameter]
    public string[]? InternalNetwork { get; set; }

    /// <summary>The IPv4 prefix length of the per-network profiles (24).</summary>
    [Parameter]
    [ValidateRange(0, 32)]
    public int NetworkPrefixLength { get; set; } = 24;

    /// <summary>The IPv6 prefix length of the per-network profiles (64).</summary>
    [Parameter]
    [ValidateRange(0, 128)]
    public int IPv6PrefixLength { get; set; } = 64;

    protected override string ProgressActivity => "Learning a baseline";

    protected override void BeginAnalysis()
    {
        var options = new FlowBaselineOptions
        {
            Interval = Interval,
            InternalNetworks = ParseNetworks(InternalNetwork, nameof(InternalNetwork), Analysis.Hunting.AddressSet.Private),
            NetworkPrefixLengthV4 = NetworkPrefixLength,
            NetworkPrefixLengthV6 = IPv6PrefixLength,
        };
        try
        {
            _builder = new FlowBaselineBuilder(options);
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, ErrorIds.BaselineSettingInvalid, ErrorCategory.InvalidArgument, Interval));
        }
        if (OutputPath is not null)
        {
            _outputPath = GetUnresolvedProviderPathFromPSPath(OutputPath);
            // Fail before the learning, not after it; the save refuses again at the rename.
            if (File.Exists(_outputPath) && !Force.IsPresent && !MyInvocation.BoundParameters.ContainsKey("WhatIf"))
                ThrowTerminatingError(OutputExists(_outputPath, inner: null));
        }
    }

    protected override void AddIncludedFlow(FlowRecord flow) => _builder!.Add(flow);

    protected override void EndAnalysis()
    {
        var builder = _builder!;
        var baseline = builder.Build();
        WriteVerbose($"{builder.FlowCount:N0} flows learned: {baseline.Hosts.Count:N0} hosts, {baseline.Networks.Count:N0} networks.");
        if (baseline.HostsDropped > 0 || baseline.IntervalsDropped > 0)
            WriteWarning($"The baseline reached its bounds: {baseline.HostsDropped:N0} host ends and {baseline.IntervalsDropped:N0} interval counts were left out (see docs/detections.md).");
        string saved = string.Empty;
        if (_outputPath is not null && ShouldProcess(_outputPath, "Save flow baseline"))
        {
            try
            {
                // Without -Force an existing file, one that appeared while the baseline was learned included, is kept.
                FlowBaselineFile.Save(baseline, _outputPath, overwrite: Force.IsPresent);
                saved = _outputPath;
            }
            catch (OutputFileExistsException e)
            {
                ThrowTerminatingError(OutputExists(_outputPath, e));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                ThrowTerminatingError(new ErrorRecord(e, ErrorIds.OutputWriteFailed, ErrorCategory.WriteError, _outputPath)
                {
                    ErrorDetails = new ErrorDetails($"{_outputPath}: the baseline could not be written: {e.Message}"),
                });
            }
        }
        WriteObject(new FlowBaselineSummary(baseline, saved));
    }

    private static ErrorRecord OutputExists(string path, Exception? inner) =>
        new(new IOException($"'{path}' exists; use -Force to overwrite it.", inner), ErrorIds.OutputExists, ErrorCategory.ResourceExists, path);
}
