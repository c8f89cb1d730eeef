using System.Management.Automation;
using FlowForensics.Flows;
using FlowForensics.Query;
using FlowForensics.Storage;

namespace FlowForensics.PowerShell.Infrastructure;

/// <summary>
/// Base of every cmdlet that analyses flows (Measure-FlowTopN, the hunts, the baselines): it takes the flows from the
/// pipeline (<c>-InputObject</c>) or reads nfcapd files itself (the <see cref="FlowInputCmdlet"/> block) at engine
/// speed with no pipeline object per flow, through one engine <see cref="FlowQuery"/> whose <see cref="FlowSelection"/>
/// holds -Start/-End, -ScaleBySampling and -Filter (in that order). A derived cmdlet receives each selected flow in
/// <see cref="AddFlow"/> and writes its results in <see cref="EndAnalysis"/>.
/// </summary>
public abstract class FlowAnalysisCmdlet : FlowInputCmdlet
{
    protected const string InputObjectSet = "InputObject";

    /// <summary>Flow records from the pipeline (Get-FlowRecord, Convert-PcapToFlow, Start-FlowCollector -PassThru).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [AllowNull]
    public FlowRecord? InputObject { get; set; }

    /// <summary>
    /// Count each flow's packets and bytes multiplied by its SamplingInterval (a copy is scaled: the caller's record is
    /// never changed). The filter then sees the scaled figures.
    /// </summary>
    [Parameter]
    public SwitchParameter ScaleBySampling { get; set; }

    /// <summary>The window, scaling and filter, built in BeginProcessing.</summary>
    protected FlowSelection Selection { get; private set; } = FlowSelection.All;

    /// <summary>The activity shown by Write-Progress while files are read.</summary>
    protected virtual string ProgressActivity => "Reading flows";

    /// <summary>Validate the cmdlet's own parameters and build its engine state; runs before the selection is built.</summary>
    protected abstract void BeginAnalysis();

    /// <summary>One selected flow (from the pipeline or from the files).</summary>
    protected abstract void AddFlow(FlowRecord flow);

    /// <summary>Write the results; every flow has been added.</summary>
    protected abstract void EndAnalysis();

    /// <summary>Reads the query into <see cref="AddFlow"/> (a fresh record per flow); a cmdlet with a faster engine path (parallel files) overrides it.</summary>
    /// <returns>The flows selected.</returns>
    protected virtual long ReadFiles(FlowQuery query) => query.ForEach(AddFlow, CancelToken);

    protected override void BeginProcessing()
    {
        BeginAnalysis();
        Selection = CreateSelection(ScaleBySampling.IsPresent);
    }

    protected override void ProcessRecord()
    {
        ThrowIfStopping();
        if (ParameterSetName != InputObjectSet)
        {
            CollectPaths();
            return;
        }
        if (InputObject is null) return;
        var flow = InputObject;
        if (Selection.Apply(ref flow, owned: false) == FlowSelectionOutcome.Selected) AddFlow(flow);
    }

    protected override void EndProcessing()
    {
        if (ParameterSetName != InputObjectSet) RunQuery(Paths, Recurse.IsPresent, Selection, ProgressActivity, "analysed", ReadFiles);
        EndAnalysis();
    }
}
