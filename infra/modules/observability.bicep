// The operations workbook and the alert rules. The workbook's queries (workbook.json) and the health alert's
// query (queries/health-unhealthy.kql) read the app's telemetry by the names shared/telemetry gives it; the
// throttling and request-unit alerts read Cosmos DB's own platform metrics, so they work whatever the app sends.

@description('Azure region.')
param location string

@description('Tags of every resource (azd-env-name).')
param tags object

@description('Name of the Application Insights component.')
param appInsightsName string

@description('Name of the Cosmos DB account.')
param cosmosAccountName string

@description('Alert when Cosmos DB spends more request units than this in 24 hours.')
param dailyRuBudget int

@description('Alert when Cosmos DB answers more than this many 429 responses in 15 minutes.')
param throttleAlertThreshold int

@description('E-mail address alerts go to. Empty: no action group, alerts show in the portal only.')
param alertEmail string

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2025-04-15' existing = {
  name: cosmosAccountName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-lifetracker-api'
  // Action groups are global resources.
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'lifetracker'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var actionGroupIds = empty(alertEmail) ? [] : [actionGroup.id]

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(appInsights.id, 'lifetracker-operations-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'LifeTracker data API operations'
    category: 'workbook'
    sourceId: appInsights.id
    version: 'Notebook/1.0'
    serializedData: string(union(loadJsonContent('workbook.json'), {
      fallbackResourceIds: [
        appInsights.id
      ]
    }))
  }
}

// Two unhealthy checks within 15 minutes: the health timer runs every 5, so one failed probe alone (a
// cold start, a transient network error) does not page anyone.
resource unhealthyAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-api-unhealthy'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'LifeTracker API unhealthy'
    description: 'The health check found the data store not answering at least twice in 15 minutes (GET /api/health answers 503).'
    severity: 1
    enabled: true
    scopes: [
      appInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: loadTextContent('queries/health-unhealthy.kql')
          timeAggregation: 'Count'
          operator: 'GreaterThanOrEqual'
          threshold: 2
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: actionGroupIds
    }
  }
}

// Cosmos DB's own count of 429 responses, including the ones the SDK retried by itself: sustained
// throttling means the account needs more throughput (or a query needs an index), not a bigger retry budget.
resource throttlingAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-cosmos-throttling'
  // Metric alert rules are global resources.
  location: 'global'
  tags: tags
  properties: {
    description: 'Cosmos DB answered more than ${throttleAlertThreshold} requests with 429 (throttled) in 15 minutes.'
    severity: 2
    enabled: true
    scopes: [
      cosmos.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'Throttled requests'
          metricNamespace: 'Microsoft.DocumentDB/databaseAccounts'
          metricName: 'TotalRequests'
          dimensions: [
            {
              name: 'StatusCode'
              operator: 'Include'
              values: [
                '429'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: throttleAlertThreshold
          timeAggregation: 'Count'
        }
      ]
    }
    autoMitigate: true
    actions: [
      for id in actionGroupIds: {
        actionGroupId: id
      }
    ]
  }
}

// Request units over the last 24 hours, re-evaluated every hour: a rolling day, so a budget overrun is
// seen within the hour instead of at midnight.
resource dailyRuAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-cosmos-daily-ru'
  // Metric alert rules are global resources.
  location: 'global'
  tags: tags
  properties: {
    description: 'Cosmos DB spent more than ${dailyRuBudget} request units in 24 hours.'
    severity: 3
    enabled: true
    scopes: [
      cosmos.id
    ]
    evaluationFrequency: 'PT1H'
    windowSize: 'P1D'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'Daily request units'
          metricNamespace: 'Microsoft.DocumentDB/databaseAccounts'
          metricName: 'TotalRequestUnits'
          operator: 'GreaterThan'
          threshold: dailyRuBudget
          timeAggregation: 'Total'
        }
      ]
    }
    autoMitigate: true
    actions: [
      for id in actionGroupIds: {
        actionGroupId: id
      }
    ]
  }
}

output workbookId string = workbook.id
