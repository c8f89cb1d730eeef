using System.Globalization;
using System.Management.Automation;
using FlowForensics.Flows;
using FlowForensics.PowerShell.Infrastructure;
using FlowForensics.Query;
using FlowForensics.Reporting;
using FlowForensics.Storage;
using FlowForensics.Wire;

namespace FlowForensics.PowerShell.Commands;

/// <summary>
/// One Excel workbook for a case: a Summary sheet (evidence files with SHA-256, time span, totals, parameters,
/// module version, what each sheet holds), traffic over time with a chart, top talkers, ports and conversations, one
/// sheet per kind of finding or object, and a Timeline. Flows and findings come from the pipeline
/// (<c>... | Export-FlowReport case.xlsx</c>) or flows from nfcapd files (<c>-FlowPath</c>), over which the report
/// runs its standard analyses (<see cref="StandardReportAnalyses"/>). The engine (<see cref="FlowReport"/>,
/// <see cref="ExcelWorkbookWriter"/>) does the work; the workbook is written under a temporary name and renamed.
/// </summary>
[Cmdlet(VerbsData.Export, "FlowReport", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = HelpLinks.CmdletPages + "Export-FlowReport.md")]
[OutputType(typeof(FileInfo))]
public sealed class ExportFlowReportCommand : FlowSelectionCmdlet
{
    private readonly List<string> _flowPaths = [];
    private FlowReport? _report;
    private FlowSelection _selection = FlowSelection.All;
    private string _target = "";
    private bool _declined;
    private int _unreadable;   // flow files that could not be hashed (the query's own failures are InputFailures)

    /// <summary>The workbook to write (.xlsx).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Flows, findings, top-N rows or any flat objects from the pipeline.</summary>
    [Parameter(ValueFromPipeline = true)]
    [AllowNull]
    public PSObject? InputObject { get; set; }

    /// <summary>nfcapd files or folders to read, hash (SHA-256, listed as evidence) and analyse; wildcards allowed.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] FlowPath { get; set; } = [];

    /// <summary>Read folders given to -FlowPath with their subfolders.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Rows of each top sheet (top talkers, ports, conversations).</summary>
    [Parameter]
    [ValidateRange(1, 10_000)]
    public int Top { get; set; } = 20;

    /// <summary>
    /// Add a Flows sheet listing the flows themselves in start order (at most -FlowLimit, the earliest). Without it the
    /// workbook summarises flows (traffic, top-N, each hour's busiest hosts on the Timeline) and lists no single flow.
    /// </summary>
    [Parameter]
    public SwitchParameter IncludeFlows { get; set; }

    /// <summary>Flows listed on the Flows sheet at most (the earliest by start); giving it implies -IncludeFlows. -TimelineLimit is its old name.</summary>
    [Parameter]
    [Alias("TimelineLimit")]
    [ValidateRange(1, ExcelLimits.MaxDataRows)]
    public int FlowLimit { get; set; } = 100_000;

    /// <summary>A case name shown at the top of the summary.</summary>
    [Parameter]
    public string? Title { get; set; }

    /// <summary>
    /// The settings of the hunts the report runs, in one hashtable: InternalNetwork, Exclude and MinimumScore for every
    /// hunt, and Beacon, Exfiltration, Scan and LateralMovement, each a hashtable of that Find-* cmdlet's own parameters,
    /// e.g. @{ Exclude = '10.20.0.7'; LateralMovement = @{ LearnUntil = '2026-01-15T09:05' } }.
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public System.Collections.Hashtable? HuntSetting { get; set; }

    /// <summary>Overwrite the workbook if it exists.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Write the workbook's FileInfo to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void BeginProcessing()
    {
        _target = GetUnresolvedProviderPathFromPSPath(Path);
        if (Directory.Exists(_target))
            ThrowTerminatingError(new ErrorRecord(new IOException($"{_target} is a folder; -Path names the workbook file to write, e.g. case.xlsx."),
                ErrorIds.OutputWriteFailed, ErrorCategory.InvalidArgument, _target));
        if (File.Exists(_target) && !Force)
            ThrowTerminatingError(new ErrorRecord(new IOException($"{_target} exists."), ErrorIds.OutputExists, ErrorCategory.ResourceExists, _target)
            {
                ErrorDetails = new ErrorDetails($"{_target} exists. Use -Force to overwrite it, or another -Path."),
            });
        string? folder = System.IO.Path.GetDirectoryName(_target);
        if (folder is not null && !Directory.Exists(folder))
            ThrowTerminatingError(new ErrorRecord(new DirectoryNotFoundException($"The folder of {_target} does not exist."),
                ErrorIds.OutputWriteFailed, ErrorCategory.ObjectNotFound, folder));
        if (!ShouldProcess(_target, File.Exists(_target) ? "Overwrite the report workbook" : "Write the report workbook"))
        {
            _declined = true;
            return;
        }
        _selection = CreateSelection();
        var hunts = HuntSettingArgument.Parse(this, HuntSetting);
        bool listFlows = IncludeFlows.IsPresent || MyInvocation.BoundParameters.ContainsKey(nameof(FlowLimit));
        _report = new FlowReport(new FlowReportOptions { Top = Top, FlowListLimit = listFlows ? FlowLimit : 0, Title = Title, Hunts = hunts });
        foreach (var (name, value) in MyInvocation.BoundParameters)
        {
            if (name is nameof(InputObject) or nameof(Force) or nameof(PassThru) or "WhatIf" or "Confirm" or "Verbose" or "Debug" or "ErrorAction"
                or "WarningAction" or "InformationAction" or "ProgressAction" or "ErrorVariable" or "WarningVariable" or "InformationVariable"
                or "OutVariable" or "OutBuffer" or "PipelineVariable") continue;
            _report.AddParameter(name, ParameterText(value));
        }
        if (FlowPath.Length > 0) _flowPaths.AddRange(ProviderPathResolver.Resolve(this, FlowPath, literal: false));
    }

    protected override void ProcessRecord()
    {
        ThrowIfStopping();
        var report = _report;
        if (_declined || report is null) return;
        if (InputObject is null) return;
        switch (InputObject.BaseObject)
        {
            case FlowRecord flow:
                if (_selection.Accepts(flow)) report.AddFlow(flow);
                break;
            case PSCustomObject:
                var names = new List<string>();
                var values = new List<object?>();
                foreach (var p in InputObject.Properties)
                {
                    names.Add(p.Name);
                    object? v;
                    try
                    {
                        v = p.Value;
                    }
                    catch (GetValueException)
                    {
                        v = null;
                    }
                    values.Add(v is PSObject pso ? pso.BaseObject : v);
                }
                report.AddRecord(CustomTypeName(InputObject), names, values);
                break;
            default:
                report.AddObject(InputObject.BaseObject);
                break;
        }
    }

    protected override void EndProcessing()
    {
        var report = _report;
        if (_declined || report is null) return;
        if (_flowPaths.Count > 0) ReadFlowFiles(report);
        if (report.RecordCount == 0 && report.ObjectCount == 0 && _unreadable + InputFailures > 0)
        {
            // every input failed: an empty workbook would read as "nothing happened", so none is written
            ThrowTerminatingError(new ErrorRecord(new InvalidDataException(
                    $"None of the flow files given could be read ({_unreadable + InputFailures:N0} failed: see the errors above); no workbook was written to {_target}."),
                ErrorIds.NoReadableInput, ErrorCategory.InvalidData, string.Join(", ", _flowPaths)));
        }
        if (report.RecordCount == 0 && report.ObjectCount == 0)
            WriteWarning("No flows and no other objects reached the report; the workbook has its sheets but no rows.");
        WriteVerbose($"{report.RecordCount:N0} flows and {report.ObjectCount:N0} other objects; writing {_target}");
        try
        {
            report.Save(_target, overwrite: Force.IsPresent, CancelToken);
        }
        catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            bool exists = !Force && File.Exists(_target);
            ThrowTerminatingError(new ErrorRecord(ex, exists ? ErrorIds.OutputExists : ErrorIds.OutputWriteFailed,
                exists ? ErrorCategory.ResourceExists : ErrorCategory.WriteError, _target));
        }
        if (PassThru) WriteObject(new FileInfo(_target));
    }

    /// <summary>Hashes each chosen nfcapd file (the summary's evidence list), then streams its flows into the report.</summary>
    private void ReadFlowFiles(FlowReport report) =>
        RunQuery(_flowPaths, Recurse.IsPresent, _selection, "Export-FlowReport", delivered: null,
            query => query.ForEach(report.AddFlow, CancelToken), query => HashEvidence(query, report));

    /// <summary>
    /// SHA-256 of each file, listed as evidence; a file that cannot be hashed is reported and left out of the flows read.
    /// </summary>
    private FlowQuery HashEvidence(FlowQuery query, FlowReport report)
    {
        var progress = new ThrottledProgress(this, 1, "Export-FlowReport");
        var readable = new List<string>(query.Files.Count);
        foreach (string file in query.Files)
        {
            ThrowIfStopping();
            try
            {
                long length = new FileInfo(file).Length;
                var info = FlowFileInfo.Read(file, CancelToken, new Progress(progress, $"{System.IO.Path.GetFileName(file)}: SHA-256", length));
                report.AddEvidence(info);
                readable.Add(file);
            }
            catch (FlowDataException ex)
            {
                _unreadable++;
                WriteError(ex.Offset == 0 ? FlowFileErrors.NotAFlowFile(file) : FlowFileErrors.Corrupt(ex, delivered: null));
            }
            catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _unreadable++;
                WriteError(new ErrorRecord(ex, ErrorIds.FileReadFailed, ErrorCategory.ReadError, file));
            }
        }
        progress.Complete();
        return new FlowQuery(readable, query.Selection, query.Observer);
    }

    /// <summary>A PSCustomObject's sheet: its first type name (from PSTypeName), without the namespace; "Object" when it has none.</summary>
    private static string CustomTypeName(PSObject o)
    {
        foreach (string name in o.TypeNames)
        {
            if (name is "System.Management.Automation.PSCustomObject" or "System.Object") continue;
            int dot = name.LastIndexOf('.');
            return dot >= 0 && dot < name.Length - 1 ? name[(dot + 1)..] : name;
        }
        return "Object";
    }

    private static string ParameterText(object? value) => value switch
    {
        null => "",
        SwitchParameter s => s.IsPresent ? "True" : "False",
        DateTime d => d.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + (d.Kind == DateTimeKind.Utc ? " UTC" : ""),
        string[] a => string.Join(", ", a),
        PSObject p => ParameterText(p.BaseObject),
        System.Collections.IDictionary t => "@{ " + string.Join("; ", t.Cast<System.Collections.DictionaryEntry>()
            .OrderBy(static e => Convert.ToString(e.Key, CultureInfo.InvariantCulture), StringComparer.OrdinalIgnoreCase)
            .Select(static e => $"{e.Key} = {ParameterText(e.Value)}")) + " }",
        System.Collections.IEnumerable e and not string => string.Join(", ", e.Cast<object?>()),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private sealed class Progress(ThrottledProgress progress, string status, long total) : IProgress<long>
    {
        public void Report(long value) => progress.Report(status, value, total);
    }
}
