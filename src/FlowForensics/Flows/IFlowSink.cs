namespace FlowForensics.Flows;

/// <summary>
/// Where records go: a file writer, a channel to the pipeline, an aggregator. Lives here so Capture,
/// Export and Storage stay siblings. A sink may keep the record it is given (callers hand over fresh ones).
/// </summary>
public interface IFlowSink
{
    void Accept(FlowRecord flow);
}
